package org.mos.common.image;

import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;

/**
 * Fast path for the common JPEG: 3 components, 8 bits, YCbCr (JFIF, or no JFIF/Adobe marker and
 * component ids 1, 2, 3, which libjpeg also takes for YCbCr). libjpeg decodes and upsamples it into
 * a YCbCr raster, and the colour conversion to RGB is done here with libjpeg's own fixed-point
 * tables ({@code jdcolor.c}), which libjpeg-turbo (Pillow's decoder) shares bit for bit. This skips
 * ImageIO's slower per-image colour handling; the fixtures check the result equals Pillow's.
 */
final class YCbCrJpeg {

  private static final int SCALE_BITS = 16;
  private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
  private static final int[] CR_R = new int[256];
  private static final int[] CB_B = new int[256];
  private static final int[] CR_G = new int[256];
  private static final int[] CB_G = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int x = i - 128;
      CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
      CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
      CR_G[i] = -fix(0.71414) * x;
      CB_G[i] = -fix(0.34414) * x + ONE_HALF;
    }
  }

  private YCbCrJpeg() {}

  private static int fix(double x) {
    return (int) (x * (1L << SCALE_BITS) + 0.5);
  }

  /** Whether the JPEG's headers say 8-bit, 3-component YCbCr Huffman (baseline/progressive). */
  static boolean isPlainYCbCr(byte[] b) {
    if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
      return false;
    }
    boolean jfif = false;
    boolean adobe = false;
    int pos = 2;
    while (pos + 4 <= b.length) {
      if ((b[pos] & 0xFF) != 0xFF) {
        return false;
      }
      int marker = b[pos + 1] & 0xFF;
      if (marker == 0xFF) {
        pos++; // fill byte
        continue;
      }
      int length = ((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF);
      int body = pos + 4;
      if (length < 2 || pos + 2 + length > b.length) {
        return false;
      }
      if (marker == 0xC0 || marker == 0xC1 || marker == 0xC2) {
        if (length < 8 + 3 * 3 || (b[body] & 0xFF) != 8 || (b[body + 5] & 0xFF) != 3 || adobe) {
          return false;
        }
        boolean ids123 = b[body + 6] == 1 && b[body + 9] == 2 && b[body + 12] == 3;
        return jfif || ids123;
      }
      if (marker >= 0xC3 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        return false; // lossless, hierarchical or arithmetic-coded: leave to the general path
      }
      if (marker == 0xDA || marker == 0xD9) {
        return false;
      }
      if (marker == 0xE0 && length >= 7 && startsWith(b, body, "JFIF\0")) {
        jfif = true;
      } else if (marker == 0xEE && length >= 7 && startsWith(b, body, "Adobe")) {
        adobe = true;
      }
      pos += 2 + length;
    }
    return false;
  }

  private static boolean startsWith(byte[] b, int at, String ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      if (b[at + i] != (byte) ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** RGB from a YCbCr raster of 8-bit interleaved samples, or null when the raster is not that. */
  static RgbImage toRgb(Raster raster) {
    if (raster.getNumBands() != 3
        || !(raster.getDataBuffer() instanceof DataBufferByte data)
        || !(raster.getSampleModel() instanceof PixelInterleavedSampleModel sm)
        || data.getNumBanks() != 1
        || raster.getSampleModelTranslateX() != 0
        || raster.getSampleModelTranslateY() != 0) {
      return null;
    }
    int w = raster.getWidth();
    int h = raster.getHeight();
    int[] offsets = sm.getBandOffsets();
    int stride = sm.getPixelStride();
    int scanline = sm.getScanlineStride();
    int oy = offsets[0];
    int ocb = offsets[1];
    int ocr = offsets[2];
    byte[] src = data.getData();
    byte[] out = new byte[3 * w * h];
    int o = 0;
    for (int row = 0; row < h; row++) {
      int p = row * scanline;
      for (int x = 0; x < w; x++, p += stride) {
        int y = src[p + oy] & 0xFF;
        int cb = src[p + ocb] & 0xFF;
        int cr = src[p + ocr] & 0xFF;
        out[o++] = clamp(y + CR_R[cr]);
        out[o++] = clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS));
        out[o++] = clamp(y + CB_B[cb]);
      }
    }
    return RgbImage.wrap(w, h, out);
  }

  private static byte clamp(int v) {
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }
}
