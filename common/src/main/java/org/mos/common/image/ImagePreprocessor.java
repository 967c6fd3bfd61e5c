package org.mos.common.image;

import java.nio.FloatBuffer;
import java.util.random.RandomGenerator;

/**
 * Applies a {@link PreprocessSpec} to decoded images and writes CHW float32 straight into a
 * caller's (typically direct, native-order, reused) {@link FloatBuffer}: image {@code i} of a batch
 * occupies floats {@code [i * floatsPerImage, (i + 1) * floatsPerImage)}, channel planes R, G, B.
 *
 * <p>Values are {@code (v / 255f - mean[c]) / std[c]} computed in float from the 8-bit resized
 * samples, as {@code ToTensor()} then {@code Normalize(mean, std)} compute them, looked up from a
 * 256-entry table per channel. Thread-safe: several workers may fill disjoint slots of one buffer.
 */
public final class ImagePreprocessor {

  private final PreprocessSpec spec;
  private final float[][] table = new float[3][256];

  public ImagePreprocessor(PreprocessSpec spec) {
    this.spec = spec;
    float[] mean = spec.mean();
    float[] std = spec.std();
    for (int c = 0; c < 3; c++) {
      for (int v = 0; v < 256; v++) {
        table[c][v] = (v / 255f - mean[c]) / std[c];
      }
    }
  }

  public PreprocessSpec spec() {
    return spec;
  }

  /**
   * Preprocesses {@code image} into slot {@code slot} of {@code batch}. {@code random} chooses the
   * crop position of a square resize (uniform over all positions) and the flip (probability 1/2)
   * when the spec asks for them (a shorter-side resize is always cropped in the centre); it may be
   * null for a deterministic spec. Only absolute puts are used: the buffer's position and limit are
   * left alone.
   */
  public void preprocess(RgbImage image, FloatBuffer batch, int slot, RandomGenerator random) {
    int side = spec.crop();
    int plane = side * side;
    long offset = (long) slot * spec.floatsPerImage();
    if (slot < 0 || offset + spec.floatsPerImage() > batch.capacity()) {
      throw new IllegalArgumentException(
          "slot "
              + slot
              + " needs floats up to "
              + (offset + spec.floatsPerImage())
              + " but the buffer holds "
              + batch.capacity());
    }
    if (spec.isRandom() && random == null) {
      throw new IllegalArgumentException(spec + " is random: a random generator is required");
    }
    int[] resized = spec.resizedSize(image.width(), image.height());
    int left;
    int top;
    if (spec.resizeMode() == PreprocessSpec.ResizeMode.SHORTER_SIDE) {
      left = spec.centerCropOffset(resized[0]);
      top = spec.centerCropOffset(resized[1]);
    } else {
      int range = spec.resize() - side + 1;
      left = spec.randomCrop() ? random.nextInt(range) : 0;
      top = spec.randomCrop() ? random.nextInt(range) : 0;
    }
    boolean flip = spec.randomFlip() && random.nextBoolean();
    int base = (int) offset;
    float[] r = new float[side];
    float[] g = new float[side];
    float[] b = new float[side];
    float[] tr = table[0];
    float[] tg = table[1];
    float[] tb = table[2];
    PillowResampler.resizeWindow(
        image,
        resized[0],
        resized[1],
        left,
        top,
        side,
        side,
        spec.interpolation(),
        (y, rgb, width) -> {
          for (int x = 0, p = 0; x < width; x++, p += 3) {
            int to = flip ? width - 1 - x : x;
            r[to] = tr[rgb[p] & 0xFF];
            g[to] = tg[rgb[p + 1] & 0xFF];
            b[to] = tb[rgb[p + 2] & 0xFF];
          }
          int row = base + y * side;
          batch.put(row, r, 0, side);
          batch.put(row + plane, g, 0, side);
          batch.put(row + 2 * plane, b, 0, side);
        });
  }
}
