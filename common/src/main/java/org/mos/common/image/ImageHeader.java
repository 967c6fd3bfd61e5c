package org.mos.common.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The format and size of an encoded image, read from its header without decoding any pixel: the
 * same ImageIO reader {@link ImageDecoder} would use (chosen by content) is asked for the width and
 * height of the first image, which every reader answers from the header (PNG IHDR, JPEG SOF, GIF
 * image descriptor, BMP info header, TIFF IFD). Services check {@link #pixels()} against their
 * budget before they let {@link ImageDecoder} allocate the decoded raster, so a small file that
 * claims a huge image (a decompression bomb) costs nothing.
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

  private static String reasonOf(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? "corrupt or truncated header" : message;
  }
}
