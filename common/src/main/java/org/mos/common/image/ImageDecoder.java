package org.mos.common.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files to 8-bit RGB as Pillow's {@code Image.open(f).convert('RGB')} does, through
 * ImageIO with the TwelveMonkeys JPEG plugin: JPEG (baseline, progressive, grayscale, CMYK and
 * YCCK) and PNG (gray, palette, RGB, with or without alpha), plus whatever other ImageIO readers
 * are installed (BMP, GIF). The reader is chosen by content, never by file suffix, so a PNG named
 * {@code .JPEG} decodes as a PNG.
 *
 * <p>Like Pillow, embedded ICC profiles of RGB and gray images are ignored (the raw samples are
 * returned), grayscale and palette images are expanded, and alpha is dropped without compositing.
 * CMYK is converted with Pillow's naive formula by default ({@link CmykConversion}).
 *
 * <p>Unreadable input (missing, empty, not an image, truncated, corrupt) raises {@link
 * ImageDecodeException} naming the source and the reason; no replacement image is ever returned. So
 * does an image whose header ({@link ImageHeader}) declares more pixels than {@link #maxPixels()},
 * before any pixel is allocated: by default Pillow's own decompression-bomb limit, {@value
 * #PILLOW_MAX_PIXELS} pixels (twice {@code Image.MAX_IMAGE_PIXELS}), above which Pillow refuses to
 * open an image too. Instances are immutable and thread-safe.
 */
public final class ImageDecoder {

  /** How CMYK and YCCK JPEGs become RGB. */
  public enum CmykConversion {
    /**
     * Pillow's {@code convert('RGB')}: {@code R = (255 - K) * (1 - C / 255)} in integer arithmetic,
     * ignoring any ICC profile. Matches how models trained with Pillow saw these images.
     */
    PILLOW,
    /** Colour-managed conversion through the embedded (or TwelveMonkeys' default) CMYK profile. */
    ICC_PROFILE
  }

  /**
   * Pillow's {@code DecompressionBombError} limit: {@code 2 * Image.MAX_IMAGE_PIXELS} = 2 *
   * 89,478,485 pixels.
   */
  public static final long PILLOW_MAX_PIXELS = 2L * 89_478_485L;

  private static final ImageDecoder PILLOW_COMPATIBLE =
      new ImageDecoder(CmykConversion.PILLOW, PILLOW_MAX_PIXELS);

  static {
    // ImageIO's registry is filled from the class path it first sees; under application servers
    // (Quarkus' class loaders) the TwelveMonkeys plugin may only be visible to the context loader.
    ImageIO.scanForPlugins();
  }

  private final CmykConversion cmykConversion;
  private final long maxPixels;

  private ImageDecoder(CmykConversion cmykConversion, long maxPixels) {
    this.cmykConversion = cmykConversion;
    this.maxPixels = maxPixels;
  }

  /** The decoder that reproduces Pillow's {@code convert('RGB')}, including its CMYK formula. */
  public static ImageDecoder pillowCompatible() {
    return PILLOW_COMPATIBLE;
  }

  /** A decoder with the given CMYK conversion. */
  public static ImageDecoder withCmykConversion(CmykConversion conversion) {
    return conversion == CmykConversion.PILLOW
        ? PILLOW_COMPATIBLE
        : new ImageDecoder(conversion, PILLOW_MAX_PIXELS);
  }

  /**
   * This decoder, refusing images whose header declares more than {@code maxPixels} pixels.
   *
   * @throws IllegalArgumentException when {@code maxPixels} is not positive
   */
  public ImageDecoder withMaxPixels(long maxPixels) {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
    }
    return maxPixels == this.maxPixels ? this : new ImageDecoder(cmykConversion, maxPixels);
  }

  public CmykConversion cmykConversion() {
    return cmykConversion;
  }

  /** The most pixels (width x height from the header) an image may declare. */
  public long maxPixels() {
    return maxPixels;
  }

  /** Decodes the file at {@code path}; errors name the path. */
  public RgbImage decode(Path path) throws ImageDecodeException {
    String source = path.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new ImageDecodeException(source, "no such file", e);
    } catch (IOException e) {
      throw new ImageDecodeException(source, "cannot read the file: " + describe(e), e);
    }
    return decode(bytes, source);
  }

  /**
   * Decodes an encoded image held in memory (e.g. received over HTTP); {@code source} names it in
   * error messages.
   */
  public RgbImage decode(byte[] encoded, String source) throws ImageDecodeException {
    if (encoded.length == 0) {
      throw new ImageDecodeException(source, "empty file (0 bytes)");
    }
    try (ImageInputStream in = new ByteArrayImageInputStream(encoded)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ImageDecodeException(
            source, "not a recognised image format (first bytes: " + head(encoded) + ")");
      }
      ImageReader reader = readers.next();
      try {
        return read(reader, in, encoded, source);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new ImageDecodeException(source, describe(e), e);
    }
  }

  private RgbImage read(ImageReader reader, ImageInputStream in, byte[] encoded, String source)
      throws IOException, ImageDecodeException {
    List<String> warnings = new ArrayList<>(1);
    reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
    reader.setInput(in, true, true);
    ImageHeader header = ImageHeader.of(reader, source);
    if (header.pixels() > maxPixels) {
      throw new ImageDecodeException(
          source,
          "the "
              + header.format()
              + " header declares "
              + header.width()
              + " x "
              + header.height()
              + " = "
              + header.pixels()
              + " pixels; at most "
              + maxPixels
              + " are decoded");
    }
    String format = header.format();
    JpegRaster.Kind kind =
        format.equals("JPEG") ? JpegRaster.kindOf(encoded) : JpegRaster.Kind.OTHER;
    boolean rawJpeg =
        kind == JpegRaster.Kind.YCBCR
            || (kind != JpegRaster.Kind.OTHER && cmykConversion == CmykConversion.PILLOW);
    if (rawJpeg) {
      Raster raster = reader.readRaster(0, null);
      checkWarnings(warnings, source, format);
      RgbImage rgb =
          kind == JpegRaster.Kind.YCBCR
              ? JpegRaster.ycbcrToRgb(raster)
              : JpegRaster.cmykToRgb(raster, kind == JpegRaster.Kind.YCCK);
      if (rgb != null) {
        return rgb;
      }
      // unexpected raster layout: decode again the general way, from a fresh stream
      reader.setInput(new ByteArrayImageInputStream(encoded), true, true);
    }
    // Ask for the raw image type: the decoded samples in the file's own colour space. The default
    // type makes ImageIO colour-manage images with an embedded non-sRGB ICC profile (Adobe RGB
    // photos), which Pillow never does, and it is several times slower. CMYK keeps the default
    // (sRGB) type: only CmykConversion.ICC_PROFILE, or an unusual CMYK JPEG, gets here, and
    // TwelveMonkeys' raw CMYK type is left undecoded (inverted inks, YCCK).
    ImageReadParam param = reader.getDefaultReadParam();
    ImageTypeSpecifier raw = reader.getRawImageType(0);
    if (raw != null && raw.getColorModel().getColorSpace().getType() != ColorSpace.TYPE_CMYK) {
      param.setDestinationType(raw);
    }
    BufferedImage image = reader.read(0, param);
    checkWarnings(warnings, source, format);
    if (image == null || image.getWidth() <= 0 || image.getHeight() <= 0) {
      throw new ImageDecodeException(source, "the " + format + " reader returned no pixels");
    }
    return RgbConversion.toRgb(image, cmykConversion);
  }

  /**
   * libjpeg pads a truncated JPEG with grey and only warns; Pillow refuses such a file, so do we.
   */
  private static void checkWarnings(List<String> warnings, String source, String format)
      throws ImageDecodeException {
    for (String warning : warnings) {
      if (warning.toLowerCase(Locale.ROOT).contains("premature end")) {
        throw new ImageDecodeException(source, "truncated " + format + " data (" + warning + ")");
      }
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    String kind = e.getClass().getSimpleName();
    if (message == null || message.isBlank()) {
      return kind;
    }
    return e instanceof IOException && !(e instanceof java.io.EOFException)
        ? message
        : kind + ": " + message;
  }

  private static String head(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, bytes.length); i++) {
      sb.append(String.format(Locale.ROOT, "%02x", bytes[i] & 0xFF));
    }
    return sb.toString();
  }
}
