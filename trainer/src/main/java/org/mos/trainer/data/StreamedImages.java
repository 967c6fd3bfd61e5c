package org.mos.trainer.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageBatch;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PreprocessSpec;
import org.mos.common.image.PreprocessingPipeline;
import org.mos.trainer.train.TrainingData;

/**
 * Training data read from image files when a step needs them, through the common {@link
 * PreprocessingPipeline} (decoding on worker threads, a bounded number of micro-batches in flight),
 * so memory does not grow with the dataset. The next step's images are decoded while the current
 * step trains ({@link #prefetch}). The preprocessing randomness of a step comes from the step's
 * seed and the position in the step, so a resumed run sees the same crops and flips.
 */
public final class StreamedImages implements TrainingData {

  private final LabelledImages images;
  private final PreprocessSpec spec;
  private final BadFilePolicy policy;
  private final int threads;
  private final AtomicLong skipped = new AtomicLong();

  /**
   * @param threads decoding threads per step
   */
  public StreamedImages(
      LabelledImages images, PreprocessSpec spec, BadFilePolicy policy, int threads) {
    if (images.size() == 0) {
      throw new IllegalArgumentException(images.source() + " holds no images");
    }
    this.images = images;
    this.spec = spec;
    this.policy = policy;
    this.threads = Math.max(1, threads);
  }

  /** Images skipped as unreadable so far (policy skip). */
  public long skipped() {
    return skipped.get();
  }

  public PreprocessSpec spec() {
    return spec;
  }

  @Override
  public int size() {
    return images.size();
  }

  @Override
  public int[] imageShape() {
    return new int[] {3, spec.crop(), spec.crop()};
  }

  @Override
  public int labelWidth() {
    return images.labelWidth();
  }

  /** A pipeline started ahead for the next step, with what it was started for. */
  private record Ahead(
      int[] indices, int microBatch, long seed, PreprocessingPipeline<Path> pipeline) {
    boolean matches(int[] otherIndices, int otherMicroBatch, long otherSeed) {
      return seed == otherSeed
          && microBatch == otherMicroBatch
          && java.util.Arrays.equals(indices, otherIndices);
    }
  }

  private Ahead ahead;

  /** Starts decoding the next step's images (at most two micro-batches) while this one trains. */
  @Override
  public void prefetch(int[] indices, int microBatch, long seed) {
    closeAhead();
    ahead = new Ahead(indices.clone(), microBatch, seed, pipeline(indices, microBatch, seed));
  }

  @Override
  public void close() {
    closeAhead();
  }

  private void closeAhead() {
    if (ahead != null) {
      ahead.pipeline().close();
      ahead = null;
    }
  }

  @Override
  public Batches open(int[] indices, int microBatch, long seed) {
    PreprocessingPipeline<Path> pipeline;
    if (ahead != null && ahead.matches(indices, microBatch, seed)) {
      pipeline = ahead.pipeline();
      ahead = null;
    } else {
      closeAhead();
      pipeline = pipeline(indices, microBatch, seed);
    }
    return batches(pipeline, indices);
  }

  private PreprocessingPipeline<Path> pipeline(int[] indices, int microBatch, long seed) {
    List<Path> paths = new ArrayList<>(indices.length);
    for (int i : indices) {
      paths.add(images.paths().get(i));
    }
    return PreprocessingPipeline.builder(paths, ImageSource::of)
        .setSpec(spec)
        .optBatchSize(microBatch)
        .optThreads(Math.min(threads, indices.length))
        .optBatchesInFlight(2)
        .optBadFilePolicy(policy)
        .optSeed(seed)
        .build();
  }

  private Batches batches(PreprocessingPipeline<Path> pipeline, int[] indices) {
    return new Batches() {
      @Override
      public boolean hasNext() {
        return pipeline.hasNext();
      }

      @Override
      public MicroBatch next() throws IOException {
        ImageBatch batch;
        try {
          batch = pipeline.next();
        } catch (ImageDecodeException e) {
          throw new IOException(
              "unreadable image " + e.getMessage() + " (bad-file policy fail)", e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while reading training images");
        }
        skipped.addAndGet(batch.skipped().size());
        int rows = batch.size();
        int perImage = spec.floatsPerImage();
        int width = images.labelWidth();
        float[] x = new float[rows * perImage];
        FloatBuffer data = batch.data();
        data.get(0, x, 0, x.length);
        int[] y = new int[rows * width];
        for (int r = 0; r < rows; r++) {
          int example = indices[batch.inputIndex(r)];
          System.arraycopy(images.labels(), example * width, y, r * width, width);
        }
        return new MicroBatch(x, y, rows);
      }

      @Override
      public void close() {
        pipeline.close();
      }
    };
  }
}
