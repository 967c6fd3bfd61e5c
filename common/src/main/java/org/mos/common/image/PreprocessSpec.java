package org.mos.common.image;

import java.util.Arrays;

/**
 * What the paper's (BiT's) preprocessing does to a decoded image: resize to {@code resize x resize}
 * (aspect ratio not kept, Pillow's antialiased bilinear), take a {@code crop x crop} window (random
 * for training, the whole image when {@code crop == resize}), optionally flip it horizontally at
 * random, scale to [0, 1] and normalise per channel with {@code (x - mean) / std}. The result is
 * written as CHW float32.
 *
 * <p>Test: {@link #test(int)} (480 in the paper). Train: {@link #train(int, int)} (512 then a
 * random 480 crop and a random flip). {@link #bitTest(int, int)} and {@link #bitTrain(int, int)}
 * apply BiT's small-image rule (160 -> 128 when the dataset's images are smaller than 96x96).
 */
public final class PreprocessSpec {

  /** The paper's mean and standard deviation, 0.5 for every channel (so values lie in [-1, 1]). */
  public static final float[] HALF = {0.5f, 0.5f, 0.5f};

  private final int resize;
  private final int crop;
  private final boolean randomFlip;
  private final float[] mean;
  private final float[] std;

  private PreprocessSpec(Builder b) {
    this.resize = b.resize;
    this.crop = b.crop == 0 ? b.resize : b.crop;
    this.randomFlip = b.randomFlip;
    this.mean = b.mean.clone();
    this.std = b.std.clone();
  }

  /** Test preprocessing: resize to {@code size x size}, normalise with mean 0.5 and std 0.5. */
  public static PreprocessSpec test(int size) {
    return builder().setResize(size).build();
  }

  /** Training preprocessing: resize, random {@code crop x crop} window, random horizontal flip. */
  public static PreprocessSpec train(int resize, int crop) {
    return builder().setResize(resize).optCrop(crop).optRandomFlip(true).build();
  }

  /** BiT's test preprocessing for images of the given size: 128 when the area is below 96*96. */
  public static PreprocessSpec bitTest(int width, int height) {
    return test(isSmall(width, height) ? 128 : 480);
  }

  /** BiT's training preprocessing: 160 -> 128 when the area is below 96*96, else 512 -> 480. */
  public static PreprocessSpec bitTrain(int width, int height) {
    return isSmall(width, height) ? train(160, 128) : train(512, 480);
  }

  private static boolean isSmall(int width, int height) {
    return (long) width * height < 96L * 96L;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int resize() {
    return resize;
  }

  /** Output side length; equals {@link #resize()} when there is no crop. */
  public int crop() {
    return crop;
  }

  /** Whether a window smaller than the resized image is taken at a random position. */
  public boolean randomCrop() {
    return crop < resize;
  }

  public boolean randomFlip() {
    return randomFlip;
  }

  /** Whether this spec draws random numbers (crop position or flip). */
  public boolean isRandom() {
    return randomCrop() || randomFlip;
  }

  public float[] mean() {
    return mean.clone();
  }

  public float[] std() {
    return std.clone();
  }

  /** Floats one preprocessed image occupies: {@code 3 * crop * crop}. */
  public int floatsPerImage() {
    return 3 * crop * crop;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PreprocessSpec s
        && s.resize == resize
        && s.crop == crop
        && s.randomFlip == randomFlip
        && Arrays.equals(s.mean, mean)
        && Arrays.equals(s.std, std);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(new int[] {resize, crop, randomFlip ? 1 : 0})
        + 31 * Arrays.hashCode(mean)
        + 961 * Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "PreprocessSpec[resize="
        + resize
        + ", crop="
        + crop
        + ", randomFlip="
        + randomFlip
        + ", mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + "]";
  }

  /** Builder: {@code setResize} is required; crop defaults to the resize size, no flip, 0.5/0.5. */
  public static final class Builder {
    private int resize;
    private int crop;
    private boolean randomFlip;
    private float[] mean = HALF;
    private float[] std = HALF;

    private Builder() {}

    public Builder setResize(int size) {
      this.resize = size;
      return this;
    }

    public Builder optCrop(int size) {
      this.crop = size;
      return this;
    }

    public Builder optRandomFlip(boolean flip) {
      this.randomFlip = flip;
      return this;
    }

    /** Per-channel (R, G, B) mean and standard deviation applied after scaling to [0, 1]. */
    public Builder optNormalization(float[] mean, float[] std) {
      this.mean = mean.clone();
      this.std = std.clone();
      return this;
    }

    public PreprocessSpec build() {
      if (resize <= 0) {
        throw new IllegalArgumentException("resize size must be positive, got " + resize);
      }
      if (crop < 0 || crop > resize) {
        throw new IllegalArgumentException(
            "crop size must be between 1 and the resize size " + resize + ", got " + crop);
      }
      if (mean.length != 3 || std.length != 3) {
        throw new IllegalArgumentException(
            "mean and std need 3 values (R, G, B), got " + mean.length + " and " + std.length);
      }
      for (float s : std) {
        if (!(s > 0) || Float.isInfinite(s)) {
          throw new IllegalArgumentException("std must be positive and finite, got " + s);
        }
      }
      return new PreprocessSpec(this);
    }
  }
}
