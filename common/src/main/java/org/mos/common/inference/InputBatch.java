package org.mos.common.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.mos.common.image.ImagePreprocessor;
import org.mos.common.image.RgbImage;

/**
 * A reusable input buffer for up to {@link #capacity()} images of one model: direct, native-order
 * float32 memory in NCHW order that ONNX Runtime reads without a copy. Fill slots with {@link
 * #put(int, RgbImage)} (the model's test preprocessing) or {@link #put(int, float[])} (an already
 * preprocessed CHW tensor), then hand it to {@link BundleModel#run}. Not thread-safe: one batch per
 * thread or per batching loop.
 */
public final class InputBatch {

  private final FloatBuffer buffer;
  private final int capacity;
  private final int side;
  private final ImagePreprocessor preprocessor;

  InputBatch(int capacity, int side, ImagePreprocessor preprocessor) {
    if (capacity < 1) {
      throw new IllegalArgumentException(
          "a batch needs room for at least 1 image, not " + capacity);
    }
    long floats = (long) capacity * floatsPerImage(side);
    if (floats * Float.BYTES > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          capacity + " images of " + side + "x" + side + " do not fit one buffer (2 GiB)");
    }
    this.buffer =
        ByteBuffer.allocateDirect((int) floats * Float.BYTES)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    this.capacity = capacity;
    this.side = side;
    this.preprocessor = preprocessor;
  }

  static int floatsPerImage(int side) {
    return 3 * side * side;
  }

  /** How many images fit. */
  public int capacity() {
    return capacity;
  }

  /** The input side in pixels. */
  public int side() {
    return side;
  }

  /** Floats per image: 3 x side x side. */
  public int floatsPerImage() {
    return floatsPerImage(side);
  }

  /** Preprocesses {@code image} (the model's test preprocessing) into slot {@code slot}. */
  public void put(int slot, RgbImage image) {
    checkSlot(slot);
    preprocessor.preprocess(image, buffer, slot, null);
  }

  /**
   * Copies one preprocessed CHW tensor into slot {@code slot}.
   *
   * @throws IllegalArgumentException when the length is not 3 x side x side or a value is not
   *     finite (naming the index)
   */
  public void put(int slot, float[] chw) {
    checkSlot(slot);
    int n = floatsPerImage();
    if (chw.length != n) {
      throw new IllegalArgumentException(
          "a tensor of "
              + chw.length
              + " floats cannot be one 3x"
              + side
              + "x"
              + side
              + " image ("
              + n
              + " floats)");
    }
    for (int i = 0; i < n; i++) {
      if (!Float.isFinite(chw[i])) {
        throw new IllegalArgumentException("tensor value " + i + " is " + chw[i]);
      }
    }
    buffer.put(slot * n, chw);
  }

  /**
   * Copies {@code count} preprocessed images, (count, 3, side, side) in C order, into the first
   * slots: the perturbed inputs of a method that runs the model on them.
   */
  void copyFrom(float[] values, int count) {
    if (values.length != count * floatsPerImage()) {
      throw new IllegalArgumentException(
          values.length + " values are not " + count + " images of " + floatsPerImage());
    }
    view(count).put(values);
  }

  /** A view of the first {@code count} images, position 0, for one run. */
  FloatBuffer view(int count) {
    if (count < 1 || count > capacity) {
      throw new IllegalArgumentException(
          "cannot run " + count + " images from a batch of capacity " + capacity);
    }
    return buffer.slice(0, count * floatsPerImage());
  }

  private void checkSlot(int slot) {
    if (slot < 0 || slot >= capacity) {
      throw new IndexOutOfBoundsException(
          "slot " + slot + " is outside a batch of capacity " + capacity);
    }
  }
}
