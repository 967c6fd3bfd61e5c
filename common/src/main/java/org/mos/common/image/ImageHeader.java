package org.mos.common.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The format and size of an encoded image, read from its header without decoding any pixel: PNG
 * (IHDR) and JPEG (the frame header, SOFn) directly from the bytes; any other format by asking the
 * ImageIO reader {@link ImageDecoder} would use (chosen by content) for the width and height of the
 * first image, which every reader answers from the header (GIF image descriptor, BMP info header,
 * TIFF IFD). Services check {@link #pixels()} against their budget before they let {@link
 * ImageDecoder} allocate the decoded raster, so a small file that claims a huge image (a
 * decompression bomb) costs nothing.
 *
 * @param format the reader's format name, upper case (PNG, JPEG, GIF, BMP, ...)
 * @param width pixels per row
 * @param height rows
 */
public record ImageHeader(String format, int width, int height) {

  static {
    ImageIO.scanForPlugins(); // as ImageDecoder: the TwelveMonkeys reader may be on another loader
  }

  /** Width x height. */
  public long pixels() {
    return (long) width * height;
  }

  /**
   * Reads the header of an encoded image held in memory; {@code source} names it in errors.
   *
   * @throws ImageDecodeException when the bytes are empty, not a recognised format, or their header
   *     is unreadable or declares a non-positive size
   */
  public static ImageHeader read(byte[] encoded, String source) throws ImageDecodeException {
    if (encoded.length == 0) {
      throw new ImageDecodeException(source, "empty file (0 bytes)");
    }
    // PNG and JPEG, the formats services take, are read here directly: finding and creating an
    // ImageIO reader costs about as much as a tenth of decoding a photo (bench/scorer.md)
    ImageHeader fast = png(encoded);
    if (fast == null) {
      fast = jpeg(encoded);
    }
    if (fast != null && fast.width() > 0 && fast.height() > 0) {
      return fast;
    }
    return viaImageIO(encoded, source);
  }

  /** {@link #read} through the ImageIO reader the decoder would use, for every format. */
  static ImageHeader viaImageIO(byte[] encoded, String source) throws ImageDecodeException {
    if (encoded.length == 0) {
      throw new ImageDecodeException(source, "empty file (0 bytes)");
    }
    try (ImageInputStream in = new ByteArrayImageInputStream(encoded)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ImageDecodeException(source, "not a recognised image format");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return of(reader, source);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new ImageDecodeException(source, "unreadable image header (" + reasonOf(e) + ")", e);
    }
  }

  /** The header of the first image of a reader whose input is set. */
  static ImageHeader of(ImageReader reader, String source)
      throws IOException, ImageDecodeException {
    String format = reader.getFormatName().toUpperCase(Locale.ROOT);
    int width = reader.getWidth(0);
    int height = reader.getHeight(0);
    if (width <= 0 || height <= 0) {
      throw new ImageDecodeException(
          source, "the " + format + " header declares " + width + " x " + height + " pixels");
    }
    return new ImageHeader(format, width, height);
  }

  private static final byte[] PNG_SIGNATURE = {
    (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'
  };

  /** The IHDR of a PNG (always its first chunk), or null when {@code b} does not start so. */
  private static ImageHeader png(byte[] b) {
    if (b.length < 24) {
      return null;
    }
    for (int i = 0; i < PNG_SIGNATURE.length; i++) {
      if (b[i] != PNG_SIGNATURE[i]) {
        return null;
      }
    }
    return new ImageHeader("PNG", int32(b, 16), int32(b, 20));
  }

  /**
   * The frame header (SOFn) of a JPEG, or null when {@code b} is not a JPEG whose markers reach one
   * before the image data (then ImageIO decides).
   */
  private static ImageHeader jpeg(byte[] b) {
    if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
      return null;
    }
    int pos = 2;
    while (pos + 4 <= b.length) {
      if ((b[pos] & 0xFF) != 0xFF) {
        return null;
      }
      int marker = b[pos + 1] & 0xFF;
      if (marker == 0xFF) {
        pos++; // fill byte
        continue;
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        pos += 2; // markers without a length
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) {
        return null; // image data or the end before any frame header
      }
      int length = ((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF);
      boolean frame =
          marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (frame) {
        if (length < 7 || pos + 9 > b.length) {
          return null;
        }
        int height = ((b[pos + 5] & 0xFF) << 8) | (b[pos + 6] & 0xFF);
        int width = ((b[pos + 7] & 0xFF) << 8) | (b[pos + 8] & 0xFF);
        return new ImageHeader("JPEG", width, height);
      }
      if (length < 2) {
        return null;
      }
      pos += 2 + length;
    }
    return null;
  }

  private static int int32(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24)
        | ((b[at + 1] & 0xFF) << 16)
        | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }

  private static String reasonOf(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? "corrupt or truncated header" : message;
  }
}
