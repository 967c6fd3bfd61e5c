package org.mos.common.testkit;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * Small image files whose headers claim a huge size (decompression bombs), made in the test: a real
 * 8 x 8 PNG or JPEG written by ImageIO with the size in its IHDR / SOF0 header rewritten, and
 * hand-built GIF and BMP files. Decoding any of them would allocate width x height pixels; the
 * files themselves are a few hundred bytes. Test code, shipped only in common's test-jar (the
 * scorer's hostile-input suite uses it too).
 */
public final class ImageBombs {

  private ImageBombs() {}

  /** An 8 x 8 PNG whose IHDR says {@code width x height} (CRC recomputed). */
  public static byte[] png(int width, int height) {
    byte[] b = encode(solid(8, 8), "png");
    // signature (8), IHDR length (4), "IHDR" (4), width (4) at 16, height (4) at 20, CRC at 29
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
    buf.putInt(16, width).putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(b, 12, 17);
    buf.putInt(29, (int) crc.getValue());
    return b;
  }

  /** An 8 x 8 baseline JPEG whose SOF0 says {@code width x height} (at most 65535 each). */
  public static byte[] jpeg(int width, int height) {
    byte[] b = encode(solid(8, 8), "jpeg");
    for (int i = 2; i + 8 < b.length; i++) {
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xC0) {
        // FFC0, length (2), precision (1), height (2), width (2)
        b[i + 5] = (byte) (height >> 8);
        b[i + 6] = (byte) height;
        b[i + 7] = (byte) (width >> 8);
        b[i + 8] = (byte) width;
        return b;
      }
    }
    throw new IllegalStateException("ImageIO wrote a JPEG without SOF0");
  }

  /** A GIF89a whose screen and single image are {@code width x height} (at most 65535 each). */
  public static byte[] gif(int width, int height) {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    b.put("GIF89a".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    b.putShort((short) width).putShort((short) height);
    b.put((byte) 0x80).put((byte) 0).put((byte) 0); // global colour table of 2 entries
    b.put(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
    b.put((byte) 0x2C).putShort((short) 0).putShort((short) 0);
    b.putShort((short) width).putShort((short) height).put((byte) 0);
    b.put((byte) 2); // LZW minimum code size
    b.put((byte) 2).put((byte) 0x44).put((byte) 0x01); // clear, pixel 0, end of information
    b.put((byte) 0).put((byte) 0x3B);
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  /**
   * An 8-bit run-length-encoded (BI_RLE8) BMP whose info header says {@code width x height}, with a
   * two-colour palette and only an end-of-bitmap code as pixels. (An uncompressed BMP cannot lie:
   * ImageIO checks its pixel data against the header; run-length data is not checked.) ImageIO's
   * reader takes at most 2^31 - 1 pixels, e.g. 40000 x 40000.
   */
  public static byte[] bmp(int width, int height) {
    int offset = 14 + 40 + 8;
    ByteBuffer b = ByteBuffer.allocate(offset + 2).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(offset + 2).putInt(0).putInt(offset);
    b.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) 8);
    b.putInt(1).putInt(2).putInt(2835).putInt(2835).putInt(2).putInt(0); // BI_RLE8, 2 colours
    b.putInt(0).putInt(0x00FFFFFF);
    b.put((byte) 0).put((byte) 1); // end of bitmap
    return b.array();
  }

  /** A real {@code width x height} PNG of one colour: a big image in a small file. */
  public static byte[] solidPng(int width, int height) {
    return encode(solid(width, height), "png");
  }

  private static BufferedImage solid(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    var g = image.createGraphics();
    g.setColor(new java.awt.Color(40, 120, 200));
    g.fillRect(0, 0, width, height);
    g.dispose();
    return image;
  }

  private static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
