package org.mos.common.image;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * One batch handed out by a {@link PreprocessingPipeline}: the preprocessed images of inputs {@code
 * [firstInput, firstInput + batchSize)} that could be read, packed in input order at the front of
 * {@link #data()} (CHW float32 each), plus the inputs of that range that were skipped.
 *
 * <p>The buffer is reused: a batch is valid until the next call to {@link
 * PreprocessingPipeline#next()} or {@link PreprocessingPipeline#close()}.
 */
public final class ImageBatch {

  private final int number;
  private final int firstInput;
  private final int[] inputIndices;
  private final List<UnreadableImage> skipped;
  private final FloatBuffer data;

  ImageBatch(
      int number,
      int firstInput,
      int[] inputIndices,
      List<UnreadableImage> skipped,
      FloatBuffer data) {
    this.number = number;
    this.firstInput = firstInput;
    this.inputIndices = inputIndices;
    this.skipped = List.copyOf(skipped);
    this.data = data;
  }

  /** 0-based position of this batch in the sequence. */
  public int number() {
    return number;
  }

  /** Index of the first input this batch covers. */
  public int firstInput() {
    return firstInput;
  }

  /** Number of images in {@link #data()}. */
  public int size() {
    return inputIndices.length;
  }

  /** Input index of the image in row {@code row} of the batch. */
  public int inputIndex(int row) {
    return inputIndices[row];
  }

  /** Inputs of this batch's range that could not be read (policy {@link BadFilePolicy#SKIP}). */
  public List<UnreadableImage> skipped() {
    return skipped;
  }

  /**
   * The images, {@code size() * 3 * side * side} floats, position 0 (a view over the pipeline's
   * reusable direct buffer; native byte order).
   */
  public FloatBuffer data() {
    return data.duplicate();
  }
}
