package org.mos.common.image;

import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;

/**
 * JPEGs decoded as a raw libjpeg raster (samples in the file's own colour space, no ImageIO colour
 * handling) and converted here exactly as libjpeg-turbo and Pillow would:
 *
 * <ul>
 *   <li>YCbCr (3 components: JFIF, or no JFIF/Adobe marker and component ids 1, 2, 3, as libjpeg
 *       guesses): converted with libjpeg's own fixed-point tables ({@code jdcolor.c}), which
 *       libjpeg-turbo shares bit for bit; this is also the fast path for ordinary photos.
 *   <li>CMYK and YCCK (4 components; Adobe transform 0 = CMYK, 2 or no marker as libjpeg decides):
 *       Pillow reads the inks inverted ("CMYK;I", Adobe's convention), after libjpeg's YCCK to CMYK
 *       conversion, then applies its naive formula. Any embedded ICC profile is ignored, as Pillow
 *       ignores it; ImageIO would colour-manage such files.
 * </ul>
 */
final class JpegRaster {

  /** The colour layout of a JPEG, as libjpeg determines it from its headers. */
  enum Kind {
    YCBCR,
    CMYK,
    YCCK,
    /** Anything else (gray, RGB, 12-bit, lossless, arithmetic, malformed): ImageIO's own path. */
    OTHER
  }

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

  private JpegRaster() {}

  private static int fix(double x) {
    return (int) (x * (1L << SCALE_BITS) + 0.5);
  }

  /** The layout of an 8-bit Huffman-coded (baseline, extended or progressive) JPEG, or OTHER. */
  static Kind kindOf(byte[] b) {
    if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
      return Kind.OTHER;
    }
    boolean jfif = false;
    int adobeTransform = -1;
    int pos = 2;
    while (pos + 4 <= b.length) {
      if ((b[pos] & 0xFF) != 0xFF) {
        return Kind.OTHER;
      }
      int marker = b[pos + 1] & 0xFF;
      if (marker == 0xFF) {
        pos++; // fill byte
        continue;
      }
      int length = ((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF);
      int body = pos + 4;
      if (length < 2 || pos + 2 + length > b.length) {
        return Kind.OTHER;
      }
      if (marker == 0xC0 || marker == 0xC1 || marker == 0xC2) {
        return frameKind(b, body, length, jfif, adobeTransform);
      }
      if (marker >= 0xC3 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        return Kind.OTHER; // lossless, hierarchical or arithmetic-coded
      }
      if (marker == 0xDA || marker == 0xD9) {
        return Kind.OTHER;
      }
      if (marker == 0xE0 && length >= 7 && startsWith(b, body, "JFIF\0")) {
        jfif = true;
      } else if (marker == 0xEE && length >= 14 && startsWith(b, body, "Adobe")) {
        adobeTransform = b[body + 11] & 0xFF;
      }
      pos += 2 + length;
    }
    return Kind.OTHER;
  }

  /** libjpeg's {@code default_decompress_parms} for 3 and 4 components. */
  private static Kind frameKind(byte[] b, int body, int length, boolean jfif, int adobe) {
    if (length < 8 || (b[body] & 0xFF) != 8) {
      return Kind.OTHER;
    }
    int components = b[body + 5] & 0xFF;
    if (length < 8 + 3 * components) {
      return Kind.OTHER;
    }
    if (components == 3) {
      boolean ids123 = b[body + 6] == 1 && b[body + 9] == 2 && b[body + 12] == 3;
      return (jfif || adobe == 1 || (adobe < 0 && ids123)) ? Kind.YCBCR : Kind.OTHER;
    }
    if (components == 4) {
      return adobe < 0 || adobe == 0 ? Kind.CMYK : Kind.YCCK;
    }
    return Kind.OTHER;
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
  static RgbImage ycbcrToRgb(Raster raster) {
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

  /**
   * RGB as Pillow computes it from the raw 4-band raster of a CMYK or YCCK JPEG, or null when the
   * raster does not have 4 bands. Pillow's inks are {@code 255 - raw} for CMYK; for YCCK libjpeg
   * first makes {@code 255 - RGB(Y, Cb, Cr)}, so the inks are the YCbCr conversion itself. Either
   * way Pillow's {@code 255 - K} ink leaves {@code nk = raw K}.
   */
  static RgbImage cmykToRgb(Raster raster, boolean ycck) {
    if (raster.getNumBands() != 4) {
      return null;
    }
    int w = raster.getWidth();
    int h = raster.getHeight();
    int[] row = new int[4 * w];
    byte[] out = new byte[3 * w * h];
    int o = 0;
    for (int y = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int x = 0, p = 0; x < w; x++, p += 4) {
        int c;
        int m;
        int ye;
        if (ycck) {
          int luma = row[p];
          int cb = row[p + 1];
          int cr = row[p + 2];
          c = clamp(luma + CR_R[cr]) & 0xFF;
          m = clamp(luma + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS)) & 0xFF;
          ye = clamp(luma + CB_B[cb]) & 0xFF;
        } else {
          c = 255 - row[p];
          m = 255 - row[p + 1];
          ye = 255 - row[p + 2];
        }
        int nk = row[p + 3];
        out[o++] = RgbConversion.cmykToRgb(c, nk);
        out[o++] = RgbConversion.cmykToRgb(m, nk);
        out[o++] = RgbConversion.cmykToRgb(ye, nk);
      }
    }
    return RgbImage.wrap(w, h, out);
  }

  private static byte clamp(int v) {
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }
}
