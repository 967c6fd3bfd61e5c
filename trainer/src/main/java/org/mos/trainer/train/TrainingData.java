package org.mos.trainer.train;

import java.io.IOException;

/**
 * Labelled training images. Labels are one int (flat softmax) or one int per group (group softmax,
 * DESIGN §3). The finetuner decides which examples each step uses (a seeded epoch order) and asks
 * for them here, so an implementation may read them from disk on demand instead of holding the
 * dataset in memory.
 */
public interface TrainingData extends AutoCloseable {

  /** Number of examples. */
  int size();

  /** Channels, height and width of every image. */
  int[] imageShape();

  /** Ints per label: 1 for flat labels, K for group labels. */
  int labelWidth();

  /**
   * The examples {@code indices}, in that order, as micro-batches of {@code microBatch} rows.
   *
   * @param seed the seed of any preprocessing randomness (random crop, flip) for these examples;
   *     the same indices and seed must give the same tensors
   */
  Batches open(int[] indices, int microBatch, long seed) throws IOException;

  /**
   * A hint that the next {@link #open} will likely ask for these examples with this seed: an
   * implementation that reads files may start on them now. The default does nothing.
   */
  default void prefetch(int[] indices, int microBatch, long seed) {}

  @Override
  default void close() throws IOException {}

  /** Micro-batches of one optimiser step, in order. */
  interface Batches extends AutoCloseable {

    boolean hasNext();

    /** The next micro-batch; it may have fewer rows when unreadable images were skipped. */
    MicroBatch next() throws IOException;

    @Override
    default void close() {}
  }

  /**
   * Images (rows x C x H x W floats) and labels (rows x label width ints) of one micro-batch.
   *
   * @param rows images present; 0 when all of them were skipped
   */
  record MicroBatch(float[] images, int[] labels, int rows) {}
}
