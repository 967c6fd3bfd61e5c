package org.mos.common.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;

/**
 * Turns whatever ImageIO decoded into 8-bit RGB the way Pillow's {@code convert('RGB')} does: raw
 * samples (no colour management), gray replicated, palette looked up, alpha dropped, CMYK by
 * Pillow's formula. {@code BufferedImage.getRGB} is avoided on purpose: it colour-converts gray and
 * ICC images, which Pillow does not.
 */
final class RgbConversion {

  private RgbConversion() {}

  static RgbImage toRgb(BufferedImage image, ImageDecoder.CmykConversion cmyk) {
    int w = image.getWidth();
    int h = image.getHeight();
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    int csType = cm.getColorSpace().getType();
    if (cm instanceof IndexColorModel palette) {
      return fromPalette(raster, palette, w, h);
    }
    if (csType == ColorSpace.TYPE_CMYK && cmyk == ImageDecoder.CmykConversion.ICC_PROFILE) {
      BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
      new ColorConvertOp(null).filter(image, rgb);
      return fromSamples(rgb.getRaster(), ColorSpace.TYPE_RGB, w, h);
    }
    return fromSamples(raster, csType, w, h);
  }

  private static RgbImage fromPalette(Raster raster, IndexColorModel palette, int w, int h) {
    int n = palette.getMapSize();
    byte[] r = new byte[n];
    byte[] g = new byte[n];
    byte[] b = new byte[n];
    palette.getReds(r);
    palette.getGreens(g);
    palette.getBlues(b);
    byte[] out = new byte[3 * w * h];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      raster.getSamples(0, y, w, 1, 0, row);
      int o = y * w * 3;
      for (int x = 0; x < w; x++) {
        int i = row[x];
        out[o++] = r[i];
        out[o++] = g[i];
        out[o++] = b[i];
      }
    }
    return RgbImage.wrap(w, h, out);
  }

  private static RgbImage fromSamples(Raster raster, int csType, int w, int h) {
    SampleModel sm = raster.getSampleModel();
    if (raster.getDataBuffer() instanceof DataBufferByte data
        && sm instanceof ComponentSampleModel csm
        && data.getNumBanks() == 1
        && raster.getSampleModelTranslateX() == 0
        && raster.getSampleModelTranslateY() == 0) {
      return fromInterleavedBytes(data.getData(), csm, csType, w, h);
    }
    return fromAnySamples(raster, csType, w, h);
  }

  /** Fast path: one byte per sample, read straight from the decoder's array. */
  private static RgbImage fromInterleavedBytes(
      byte[] src, ComponentSampleModel sm, int csType, int w, int h) {
    int[] offsets = sm.getBandOffsets();
    int pixelStride = sm.getPixelStride();
    int scanline = sm.getScanlineStride();
    byte[] out = new byte[3 * w * h];
    int o = 0;
    for (int y = 0; y < h; y++) {
      int p = y * scanline;
      switch (channelsOf(csType, offsets.length)) {
        case GRAY -> {
          int g = offsets[0];
          for (int x = 0; x < w; x++, p += pixelStride) {
            byte v = src[p + g];
            out[o++] = v;
            out[o++] = v;
            out[o++] = v;
          }
        }
        case RGB -> {
          int r = offsets[0];
          int g = offsets[1];
          int b = offsets[2];
          for (int x = 0; x < w; x++, p += pixelStride) {
            out[o++] = src[p + r];
            out[o++] = src[p + g];
            out[o++] = src[p + b];
          }
        }
        case CMYK -> {
          for (int x = 0; x < w; x++, p += pixelStride) {
            int nk = 255 - (src[p + offsets[3]] & 0xFF);
            out[o++] = cmykToRgb(src[p + offsets[0]] & 0xFF, nk);
            out[o++] = cmykToRgb(src[p + offsets[1]] & 0xFF, nk);
            out[o++] = cmykToRgb(src[p + offsets[2]] & 0xFF, nk);
          }
        }
      }
    }
    return RgbImage.wrap(w, h, out);
  }

  /** Slow general path (16-bit PNG, packed samples): scales every sample to 8 bits. */
  private static RgbImage fromAnySamples(Raster raster, int csType, int w, int h) {
    SampleModel sm = raster.getSampleModel();
    int bands = sm.getNumBands();
    Channels channels = channelsOf(csType, bands);
    int[] bits = sm.getSampleSize();
    byte[] out = new byte[3 * w * h];
    int[] pixel = new int[bands];
    int o = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        raster.getPixel(x + raster.getMinX(), y + raster.getMinY(), pixel);
        for (int b = 0; b < bands; b++) {
          pixel[b] = to8Bits(pixel[b], bits[b], channels == Channels.GRAY);
        }
        switch (channels) {
          case GRAY -> {
            out[o++] = (byte) pixel[0];
            out[o++] = (byte) pixel[0];
            out[o++] = (byte) pixel[0];
          }
          case RGB -> {
            out[o++] = (byte) pixel[0];
            out[o++] = (byte) pixel[1];
            out[o++] = (byte) pixel[2];
          }
          case CMYK -> {
            int nk = 255 - pixel[3];
            out[o++] = cmykToRgb(pixel[0], nk);
            out[o++] = cmykToRgb(pixel[1], nk);
            out[o++] = cmykToRgb(pixel[2], nk);
          }
        }
      }
    }
    return RgbImage.wrap(w, h, out);
  }

  private enum Channels {
    GRAY,
    RGB,
    CMYK
  }

  private static Channels channelsOf(int csType, int bands) {
    if (csType == ColorSpace.TYPE_CMYK && bands >= 4) {
      return Channels.CMYK;
    }
    if (csType == ColorSpace.TYPE_GRAY || bands < 3) {
      return Channels.GRAY;
    }
    if (csType == ColorSpace.TYPE_RGB || csType == ColorSpace.TYPE_YCbCr || bands >= 3) {
      return Channels.RGB;
    }
    throw new IllegalArgumentException(
        "unsupported colour space type " + csType + " with " + bands + " bands");
  }

  private static int to8Bits(int sample, int bits, boolean gray) {
    if (bits == 8) {
      return sample;
    }
    if (bits > 8) {
      // Pillow keeps the high byte of 48/64-bit RGB(A) PNGs ("RGB;16B"), but opens 16-bit gray as
      // 32-bit "I" whose convert('RGB') clips to 255: reproduced, odd as it is.
      return gray ? Math.min(sample, 255) : sample >>> (bits - 8);
    }
    return sample * 255 / ((1 << bits) - 1);
  }

  /**
   * Pillow 9's {@code cmyk2rgb}: {@code nk - MULDIV255(c, nk)} with {@code nk = 255 - k} and {@code
   * MULDIV255(a, b) = (t + (t >> 8)) >> 8, t = a * b + 128}, i.e. a rounded {@code nk * (255 - c) /
   * 255}.
   */
  static byte cmykToRgb(int c, int nk) {
    int t = c * nk + 128;
    int v = nk - (((t >> 8) + t) >> 8);
    return (byte) Math.max(0, Math.min(255, v));
  }
}
