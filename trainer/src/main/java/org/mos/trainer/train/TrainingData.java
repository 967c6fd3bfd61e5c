package org.mos.trainer.train;

/**
 * Labelled training images, already preprocessed to CHW floats. Labels are one int (flat softmax)
 * or one int per group (group softmax, DESIGN §3).
 */
public interface TrainingData {

  /** Number of examples. */
  int size();

  /** Channels, height and width of every image. */
  int[] imageShape();

  /** Ints per label: 1 for flat labels, K for group labels. */
  int labelWidth();

  /** Copies example {@code index} into {@code image} (CHW) and {@code label}. */
  void example(int index, float[] image, int[] label);
}
