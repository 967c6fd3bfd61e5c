package org.mos.common.image;

import java.util.Locale;

/**
 * A resampling filter of Pillow 9, as {@code Image.resize} applies it to 8-bit images: the kernel
 * is stretched by the downscale factor (antialiasing), so a shrink averages every input sample
 * under it instead of skipping samples.
 *
 * <ul>
 *   <li>{@link #BILINEAR}: Pillow's {@code Image.BILINEAR}, a triangle of support 1 (BiT's and the
 *       paper's resize; torchvision's default).
 *   <li>{@link #BICUBIC}: Pillow's {@code Image.BICUBIC}, the cubic convolution kernel with {@code
 *       a = -0.5} and support 2 (many timm / torchvision weights were trained with it). Its
 *       negative lobes can overshoot; results are clipped to [0, 255] as Pillow clips them.
 * </ul>
 */
public enum Interpolation {
  BILINEAR(1.0) {
    @Override
    double kernel(double x) {
      double a = Math.abs(x);
      return a < 1.0 ? 1.0 - a : 0.0;
    }
  },
  BICUBIC(2.0) {
    @Override
    double kernel(double x) {
      // Pillow's bicubic_filter with a = -0.5, evaluated in the same order of operations.
      double a = -0.5;
      double t = Math.abs(x);
      if (t < 1.0) {
        return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
      }
      if (t < 2.0) {
        return (((t - 5) * t + 8) * t - 4) * a;
      }
      return 0.0;
    }
  };

  private final double support;

  Interpolation(double support) {
    this.support = support;
  }

  /** Half-width of the kernel at scale 1, in input samples. */
  double support() {
    return support;
  }

  /** The kernel's value at distance {@code x} (in input samples at scale 1). */
  abstract double kernel(double x);

  /** The lower-case name used on command lines and in bundle manifests: {@code bilinear}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The filter named {@code id} ({@code bilinear} or {@code bicubic}, case-insensitive).
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static Interpolation of(String id) {
    for (Interpolation i : values()) {
      if (i.id().equalsIgnoreCase(id)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "unknown interpolation '" + id + "': expected bilinear or bicubic");
  }
}
