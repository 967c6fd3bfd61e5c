package org.mos.common.image;

import java.util.Arrays;

/**
 * What preprocessing does to a decoded image before the network sees it, in one of two shapes:
 *
 * <ul>
 *   <li>Square (the paper's, BiT's): resize to {@code resize x resize} (aspect ratio not kept),
 *       take a {@code crop x crop} window (random for training, the whole image when {@code crop ==
 *       resize}).
 *   <li>Shorter side (torchvision's {@code Resize(resize)} then {@code CenterCrop(crop)}): resize
 *       so that the shorter side is {@code resize} and the longer one {@code int(resize * long /
 *       short)}, then take the centred {@code crop x crop} window whose offset is {@code
 *       round((length - crop) / 2)} with Python's round-half-to-even ({@link #resizedSize}, {@link
 *       #centerCropOffset}).
 * </ul>
 *
 * <p>Both resize with Pillow's antialiased filter ({@link Interpolation}: bilinear by default, or
 * bicubic), optionally flip horizontally at random, scale to [0, 1] and normalise per channel with
 * {@code (x - mean) / std}. The result is written as CHW float32.
 *
 * <p>Test: {@link #test(int)} (480 in the paper). Train: {@link #train(int, int)} (512 then a
 * random 480 crop and a random flip). {@link #bitTest(int, int)} and {@link #bitTrain(int, int)}
 * apply BiT's small-image rule (160 -> 128 when the dataset's images are smaller than 96x96).
 * torchvision's ImageNet evaluation: {@code
 * builder().setResizeShorterSide(256).optCrop(224).optNormalization(IMAGENET_MEAN,
 * IMAGENET_STD).build()}.
 */
public final class PreprocessSpec {

  /** The paper's mean and standard deviation, 0.5 for every channel (so values lie in [-1, 1]). */
  public static final float[] HALF = {0.5f, 0.5f, 0.5f};

  /** torchvision's ImageNet mean (R, G, B), as its model cards give it. */
  public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

  /** torchvision's ImageNet standard deviation (R, G, B). */
  public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  /** How the image is brought to the resize size before cropping. */
  public enum ResizeMode {
    /** To {@code resize x resize}, aspect ratio not kept (Pillow's {@code resize((R, R))}). */
    SQUARE,
    /** Shorter side to {@code resize}, aspect ratio kept (torchvision's {@code Resize(R)}). */
    SHORTER_SIDE
  }

  private final ResizeMode resizeMode;
  private final Interpolation interpolation;
  private final int resize;
  private final int crop;
  private final boolean randomFlip;
  private final float[] mean;
  private final float[] std;

  private PreprocessSpec(Builder b) {
    this.resizeMode = b.resizeMode;
    this.interpolation = b.interpolation;
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

  /** The square side, or the shorter side's length for {@link ResizeMode#SHORTER_SIDE}. */
  public int resize() {
    return resize;
  }

  public ResizeMode resizeMode() {
    return resizeMode;
  }

  public Interpolation interpolation() {
    return interpolation;
  }

  /** Output side length; equals {@link #resize()} when a square resize has no crop. */
  public int crop() {
    return crop;
  }

  /** Whether a window smaller than the (square) resized image is taken at a random position. */
  public boolean randomCrop() {
    return resizeMode == ResizeMode.SQUARE && crop < resize;
  }

  /**
   * The size {@code {width, height}} an image of {@code width x height} is resized to. Shorter
   * side: as torchvision 0.14's {@code Resize(resize)} computes it (no {@code max_size}), the
   * shorter side becomes {@code resize} and the longer {@code int(resize * long / short)} — a
   * double division truncated toward zero, which is what Python's {@code int(a * b / c)} does.
   */
  public int[] resizedSize(int width, int height) {
    if (resizeMode == ResizeMode.SQUARE) {
      return new int[] {resize, resize};
    }
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image size must be positive, got " + width + "x" + height);
    }
    int shorter = Math.min(width, height);
    int longer = Math.max(width, height);
    int newLonger = (int) ((double) ((long) resize * longer) / shorter);
    return width <= height ? new int[] {resize, newLonger} : new int[] {newLonger, resize};
  }

  /**
   * Where a centred {@code crop}-long window starts in a resized side of {@code length}: as
   * torchvision's {@code CenterCrop}, {@code int(round((length - crop) / 2.0))}, where Python's
   * {@code round} takes halves to the even neighbour (1.5 -> 2, 2.5 -> 2, 0.5 -> 0).
   */
  public int centerCropOffset(int length) {
    if (length < crop) {
      throw new IllegalArgumentException(
          "a resized side of " + length + " px is shorter than the crop " + crop);
    }
    return (int) Math.rint((length - crop) / 2.0);
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
        && s.resizeMode == resizeMode
        && s.interpolation == interpolation
        && s.resize == resize
        && s.crop == crop
        && s.randomFlip == randomFlip
        && Arrays.equals(s.mean, mean)
        && Arrays.equals(s.std, std);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(
            new int[] {
              resizeMode.ordinal(), interpolation.ordinal(), resize, crop, randomFlip ? 1 : 0
            })
        + 31 * Arrays.hashCode(mean)
        + 961 * Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "PreprocessSpec[resize="
        + (resizeMode == ResizeMode.SHORTER_SIDE ? "shorter side " : "")
        + resize
        + ", interpolation="
        + interpolation.id()
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

  /**
   * Builder: {@code setResize} or {@code setResizeShorterSide} is required; bilinear, no flip,
   * 0.5/0.5 by default; the crop defaults to the resize size for a square resize and must be given
   * for a shorter-side resize (the output is square).
   */
  public static final class Builder {
    private ResizeMode resizeMode = ResizeMode.SQUARE;
    private Interpolation interpolation = Interpolation.BILINEAR;
    private int resize;
    private int crop;
    private boolean randomFlip;
    private float[] mean = HALF;
    private float[] std = HALF;

    private Builder() {}

    /** Resize to {@code size x size}, aspect ratio not kept. */
    public Builder setResize(int size) {
      this.resizeMode = ResizeMode.SQUARE;
      this.resize = size;
      return this;
    }

    /** Resize the shorter side to {@code size}, keeping the aspect ratio; then a centre crop. */
    public Builder setResizeShorterSide(int size) {
      this.resizeMode = ResizeMode.SHORTER_SIDE;
      this.resize = size;
      return this;
    }

    public Builder optInterpolation(Interpolation filter) {
      this.interpolation = java.util.Objects.requireNonNull(filter, "interpolation");
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
      if (resizeMode == ResizeMode.SHORTER_SIDE && crop == 0) {
        throw new IllegalArgumentException(
            "a shorter-side resize to " + resize + " needs a crop size (the output is square)");
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
