package org.mos.common.inference;

import java.nio.FloatBuffer;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageBatch;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PipelineReport;
import org.mos.common.image.PreprocessingPipeline;
import org.mos.common.image.ProgressListener;
import org.mos.common.image.UnreadableImage;
import org.mos.common.score.FloatMatrix;

/**
 * The one images → model outputs streamer: runs a {@link BundleModel} over an ordered list of
 * images, or a lazily pulled and possibly endless {@link Iterator} of them, one batch at a time, in
 * input order, with bounded memory whatever the number of images.
 *
 * <p>Images are decoded and given the model's test preprocessing ({@link
 * BundleModel#preprocessSpec()}) on worker threads by a {@link PreprocessingPipeline}, which owns
 * {@code batchesInFlight} batch buffers (the one the consumer holds and the ones filled ahead) and
 * stops decoding while the consumer is busy. Each {@link Batch} then gives what its caller wants:
 * the model's outputs ({@link Batch#outputs}), scores ({@link Batch#scores}, through {@link
 * BundleScorer}), the filled {@link InputBatch} for passes that run the model themselves, or a copy
 * of the preprocessed pixels. Unreadable images are left out and listed in their batch ({@link
 * BadFilePolicy#SKIP}) or stop the stream with the first one in input order ({@link
 * BadFilePolicy#FAIL}).
 *
 * <pre>{@code
 * try (var stream = BundleStream.builder(model, paths, ImageSource::of).optBatchSize(32).build()) {
 *   while (stream.hasNext()) {
 *     BundleStream.Batch batch = stream.next();
 *     if (batch.size() > 0) {
 *       FloatMatrix logits = batch.outputs(List.of("logits")).get("logits");
 *     }
 *   }
 *   System.out.println(stream.report());
 * }
 * }</pre>
 *
 * An iterator source ({@link #builder(BundleModel, Iterator, Function)}) is pulled on the stream's
 * own thread no further than {@code batchesInFlight * batchSize} inputs ahead of the consumer; its
 * progress has no total, and {@link #hasNext()} may wait until the next batch has been pulled.
 *
 * <p>Used by {@code mos infer}, {@code mos fit} and in-process {@code mos evaluate}. One consumer
 * thread only.
 *
 * @param <T> the input type (a path, a dataset sample, ...)
 */
public final class BundleStream<T> implements AutoCloseable {

  private final BundleModel model;
  private final PreprocessingPipeline<T> pipeline;
  private final InputBatch input;
  private final float[] chw;

  private BundleStream(Builder<T> b) {
    this.model = b.model;
    // one reusable model input, no larger than the images need
    int rows = b.inputs == null ? b.batchSize : Math.min(b.batchSize, b.inputs.size());
    this.input = model.newInputBatch(Math.max(1, rows));
    this.chw = new float[input.floatsPerImage()];
    PreprocessingPipeline.Builder<T> images =
        b.inputs != null
            ? PreprocessingPipeline.<T>builder(b.inputs, b.opener)
            : PreprocessingPipeline.<T>builder(b.source, b.opener);
    this.pipeline =
        images
            .setSpec(model.preprocessSpec())
            .optBatchSize(input.capacity())
            .optThreads(b.threads)
            .optBatchesInFlight(b.batchesInFlight)
            .optBadFilePolicy(b.policy)
            .optProgressListener(b.listener)
            .build();
  }

  /**
   * A builder over {@code inputs} (in the order batches and rows come out); {@code opener} says how
   * to read one input, e.g. {@code ImageSource::of} for a list of paths.
   */
  public static <T> Builder<T> builder(
      BundleModel model, List<? extends T> inputs, Function<? super T, ImageSource> opener) {
    return new Builder<>(model, Objects.requireNonNull(inputs, "inputs"), null, opener);
  }

  /**
   * A builder over a lazily pulled, possibly endless {@code source} (in the order batches and rows
   * come out), read on the stream's own thread no further than the batches in flight ahead of the
   * consumer; {@code opener} says how to read one input.
   */
  public static <T> Builder<T> builder(
      BundleModel model, Iterator<? extends T> source, Function<? super T, ImageSource> opener) {
    return new Builder<>(model, null, Objects.requireNonNull(source, "source"), opener);
  }

  /** The model the images run through. */
  public BundleModel model() {
    return model;
  }

  /**
   * Whether another batch can be taken: false once all are out, after a failure, or closed. With an
   * iterator source this waits until the next batch has been pulled or the source ran dry. That
   * wait hands the previous batch's buffer back first (the source is pulled only into a free
   * buffer), so with an iterator source the previous batch must no longer be used after this call.
   */
  public boolean hasNext() {
    return pipeline.hasNext();
  }

  /**
   * The next batch in input order, waiting for its images if needed. The previous batch must no
   * longer be used. A batch whose images were all unreadable ({@link BadFilePolicy#SKIP}) has size
   * 0 and only lists them in {@link Batch#skipped()}.
   *
   * @throws ImageDecodeException with {@link BadFilePolicy#FAIL}, for the first unreadable image in
   *     input order (the stream is then closed)
   */
  public Batch next() throws ImageDecodeException, InterruptedException {
    return new Batch(pipeline.next());
  }

  /** What was read so far (complete once the last batch has been taken). */
  public PipelineReport report() {
    return pipeline.report();
  }

  /** Stops the decoding threads; safe to call more than once. */
  @Override
  public void close() {
    pipeline.close();
  }

  /**
   * One batch of preprocessed images, valid until the next {@link BundleStream#next()}: rows are
   * the readable images of its range of inputs, in input order.
   */
  public final class Batch {
    private final ImageBatch images;
    private boolean inputFilled;

    private Batch(ImageBatch images) {
      this.images = images;
    }

    /** 0-based position of this batch in the stream. */
    public int number() {
      return images.number();
    }

    /** Number of rows (readable images). */
    public int size() {
      return images.size();
    }

    /** The input index of every row. */
    public int[] inputIndices() {
      int[] out = new int[images.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = images.inputIndex(i);
      }
      return out;
    }

    /** The unreadable inputs of this batch's range ({@link BadFilePolicy#SKIP}), in input order. */
    public List<UnreadableImage> skipped() {
      return images.skipped();
    }

    /**
     * The stream's reusable model input holding this batch's rows in its first {@link #size()}
     * slots, for passes that run the model themselves (input perturbation).
     */
    public InputBatch input() {
      if (!inputFilled) {
        FloatBuffer data = images.data();
        for (int i = 0; i < images.size(); i++) {
          data.get(chw);
          input.put(i, chw);
        }
        inputFilled = true;
      }
      return input;
    }

    /**
     * A copy of the preprocessed rows, {@code size()} CHW images in C order, for passes that build
     * their own inputs from them (adversarial copies).
     */
    public float[] pixels() {
      float[] all = new float[images.size() * chw.length];
      images.data().get(all);
      return all;
    }

    /**
     * Runs the model on this batch's rows.
     *
     * @return the requested outputs, one row per image
     * @throws IllegalArgumentException naming an output the graph does not have, or when the batch
     *     is empty
     */
    public Map<String, FloatMatrix> outputs(Collection<String> names) {
      requireRows();
      return model.run(input(), size(), names);
    }

    /** Scores this batch's rows with {@code scorer}, input perturbation included. */
    public ScoredBatch scores(BundleScorer scorer, ScoreRequest request) {
      requireRows();
      return scorer.score(model, input(), size(), request);
    }

    private void requireRows() {
      if (images.size() == 0) {
        throw new IllegalArgumentException(
            "batch " + number() + " has no readable image: every input of it was skipped");
      }
    }
  }

  /** Builds a stream; the model, the inputs and their opener are required. */
  public static final class Builder<T> {
    private final BundleModel model;
    private final List<? extends T> inputs;
    private final Iterator<? extends T> source;
    private final Function<? super T, ImageSource> opener;
    private int batchSize = 32;
    private int threads = Runtime.getRuntime().availableProcessors();
    private int batchesInFlight = 2;
    private BadFilePolicy policy = BadFilePolicy.SKIP;
    private ProgressListener listener;

    private Builder(
        BundleModel model,
        List<? extends T> inputs,
        Iterator<? extends T> source,
        Function<? super T, ImageSource> opener) {
      this.model = Objects.requireNonNull(model, "model");
      this.inputs = inputs;
      this.source = source;
      this.opener = Objects.requireNonNull(opener, "opener");
    }

    /** Images per model run (default 32; fewer when a list has fewer images). */
    public Builder<T> optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Decoding threads (default: available processors). */
    public Builder<T> optThreads(int threads) {
      this.threads = threads;
      return this;
    }

    /** Batches that exist at once, the consumer's included (default 2: one runs, one decodes). */
    public Builder<T> optBatchesInFlight(int batches) {
      this.batchesInFlight = batches;
      return this;
    }

    /** What an unreadable image does (default {@link BadFilePolicy#SKIP}). */
    public Builder<T> optBadFilePolicy(BadFilePolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Told, on the consumer's thread, how far the stream has got after each batch. */
    public Builder<T> optProgressListener(ProgressListener listener) {
      this.listener = listener;
      return this;
    }

    /**
     * The stream; decoding starts now.
     *
     * @throws IllegalArgumentException when the batch size, threads or batches in flight are not
     *     positive
     */
    public BundleStream<T> build() {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size is " + batchSize + "; expected 1 or more");
      }
      return new BundleStream<>(this);
    }
  }
}
