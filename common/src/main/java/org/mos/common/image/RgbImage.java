package org.mos.common.image;

import java.util.Arrays;

/**
 * A decoded image as 8-bit RGB samples, interleaved, row-major ({@code R,G,B,R,G,B,...}): what
 * Pillow's {@code Image.open(f).convert('RGB')} holds. Immutable once built: the pixel array is
 * never handed out, only copied.
 */
public final class RgbImage {

  private final int width;
  private final int height;
  private final byte[] pixels;

  private RgbImage(int width, int height, byte[] pixels) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image size must be positive, got " + width + "x" + height);
    }
    long expected = 3L * width * height;
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          "a "
              + width
              + "x"
              + height
              + " RGB image needs "
              + expected
              + " bytes, got "
              + pixels.length);
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  /** An image holding a copy of {@code rgb} (interleaved, row-major, 3 bytes per pixel). */
  public static RgbImage of(int width, int height, byte[] rgb) {
    return new RgbImage(width, height, rgb.clone());
  }

  /** Takes ownership of {@code rgb} without copying: only for arrays nobody else writes. */
  static RgbImage wrap(int width, int height, byte[] rgb) {
    return new RgbImage(width, height, rgb);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Sample of {@code channel} (0 = R, 1 = G, 2 = B) at column {@code x}, row {@code y}, 0..255. */
  public int sample(int x, int y, int channel) {
    if (x < 0 || x >= width || y < 0 || y >= height || channel < 0 || channel > 2) {
      throw new IndexOutOfBoundsException(
          "("
              + x
              + ", "
              + y
              + ", channel "
              + channel
              + ") is outside a "
              + width
              + "x"
              + height
              + " RGB image");
    }
    return pixels[(y * width + x) * 3 + channel] & 0xFF;
  }

  /** A copy of the interleaved samples. */
  public byte[] copyPixels() {
    return pixels.clone();
  }

  /** The internal array, for the resampler's hot path; callers in this package must not write. */
  byte[] pixelsUnsafe() {
    return pixels;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RgbImage other
        && other.width == width
        && other.height == height
        && Arrays.equals(other.pixels, pixels);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * width + height) + Arrays.hashCode(pixels);
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
