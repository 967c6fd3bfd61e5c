package org.mos.common.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Decodes and preprocesses an ordered list of inputs on a pool of worker threads and hands out
 * batches in input order, in reusable direct buffers.
 *
 * <p>Memory is bounded whatever the dataset size: the pipeline owns {@code batchesInFlight} batch
 * buffers (one held by the consumer, the others being filled ahead) and starts work on a batch only
 * when a buffer is free, so a slow consumer stops the producer; at most one decoded image per
 * worker exists at a time. Inputs {@code [b * batchSize, (b + 1) * batchSize)} form batch {@code
 * b}; with {@link BadFilePolicy#SKIP} unreadable ones are left out and listed in the batch and the
 * {@link #report()}, with {@link BadFilePolicy#FAIL} {@link #next()} throws for the first one.
 * Training randomness (crop, flip) is drawn from a generator seeded by (seed, input index), so
 * results do not depend on thread scheduling.
 *
 * <pre>{@code
 * try (var pipeline = PreprocessingPipeline.builder(paths, ImageSource::of)
 *     .setSpec(PreprocessSpec.test(480)).optBatchSize(64).build()) {
 *   while (pipeline.hasNext()) {
 *     ImageBatch batch = pipeline.next();
 *     model.run(batch.data(), batch.size());
 *   }
 *   System.out.println(pipeline.report());
 * }
 * }</pre>
 *
 * Worker threads stop when the last batch has been handed out, on failure and on {@link #close()}.
 * One consumer thread only.
 *
 * @param <T> the input type (a path, a dataset record, ...)
 */
public final class PreprocessingPipeline<T> implements AutoCloseable {

  private static final AtomicInteger PIPELINES = new AtomicInteger();

  private final List<T> inputs;
  private final Function<? super T, ImageSource> opener;
  private final ImagePreprocessor preprocessor;
  private final ImageDecoder decoder;
  private final int batchSize;
  private final int batches;
  private final int floatsPerImage;
  private final BadFilePolicy policy;
  private final long seed;
  private final ProgressListener listener;
  private final BlockingQueue<FloatBuffer> free;
  private final BlockingQueue<PendingBatch> ready;
  private final ExecutorService workers;
  private final Thread dispatcher;
  private final long startNanos = System.nanoTime();
  private final List<UnreadableImage> unreadable = new ArrayList<>();
  private final List<Thread> ownThreads = new java.util.concurrent.CopyOnWriteArrayList<>();

  private long endNanos;
  private volatile boolean closing;
  private volatile boolean stopDispatching;
  private FloatBuffer held;
  private int nextBatch;
  private int delivered;
  private boolean failed;

  private PreprocessingPipeline(Builder<T> b) {
    this.inputs = List.copyOf(b.inputs);
    this.opener = b.opener;
    this.preprocessor = b.preprocessor;
    this.decoder = b.decoder;
    this.batchSize = b.batchSize;
    this.batches = (inputs.size() + batchSize - 1) / batchSize;
    this.floatsPerImage = preprocessor.spec().floatsPerImage();
    this.policy = b.policy;
    this.seed = b.seed;
    this.listener = b.listener;
    int buffers = Math.max(1, Math.min(b.batchesInFlight, batches));
    this.free = new ArrayBlockingQueue<>(buffers);
    this.ready = new ArrayBlockingQueue<>(buffers);
    long floats = (long) batchSize * floatsPerImage;
    for (int i = 0; i < buffers; i++) {
      free.add(
          ByteBuffer.allocateDirect(Math.toIntExact(4 * floats))
              .order(ByteOrder.nativeOrder())
              .asFloatBuffer());
    }
    String prefix = "mos-image-pipeline-" + PIPELINES.incrementAndGet();
    this.workers = Executors.newFixedThreadPool(b.threads, named(prefix + "-worker-", ownThreads));
    this.dispatcher = named(prefix + "-dispatcher", ownThreads).newThread(this::dispatch);
    dispatcher.start();
  }

  /**
   * A builder over {@code inputs}; {@code opener} says how to read one input (e.g. {@code
   * ImageSource::of} for a list of paths).
   */
  public static <T> Builder<T> builder(
      List<? extends T> inputs, Function<? super T, ImageSource> opener) {
    return new Builder<>(inputs, opener);
  }

  /** Whether another batch can be taken. False once all are out, after a failure, or closed. */
  public boolean hasNext() {
    return !closing && !failed && nextBatch < batches;
  }

  /**
   * The next batch in input order, waiting for it if needed. The previous batch's buffer goes back
   * to the producer, so the previous batch must no longer be used.
   *
   * @throws ImageDecodeException with {@link BadFilePolicy#FAIL}, for the first unreadable input
   *     (the pipeline is then closed)
   */
  public ImageBatch next() throws ImageDecodeException, InterruptedException {
    if (!hasNext()) {
      throw new NoSuchElementException(
          closing ? "the pipeline is closed" : failed ? "the pipeline failed" : "no more batches");
    }
    if (held != null) {
      free.put(held);
      held = null;
    }
    PendingBatch pending = awaitNext();
    if (pending.error != null) {
      failed = true;
      close();
      throw new IllegalStateException(
          "preprocessing failed unexpectedly on input #"
              + pending.errorIndex
              + " ("
              + inputs.get(pending.errorIndex)
              + ")",
          pending.error);
    }
    List<UnreadableImage> skipped = new ArrayList<>();
    int[] rows = pending.pack(floatsPerImage, skipped);
    unreadable.addAll(skipped);
    if (policy == BadFilePolicy.FAIL && !skipped.isEmpty()) {
      failed = true;
      ImageDecodeException first = pending.failures[skipped.get(0).index() - pending.first];
      close();
      throw first;
    }
    held = pending.buffer;
    nextBatch++;
    delivered += rows.length;
    if (nextBatch == batches) {
      endNanos = System.nanoTime();
      stopThreads(false);
    }
    int done = Math.min(inputs.size(), (pending.number + 1) * batchSize);
    if (listener != null) {
      listener.onProgress(Progress.of(done, inputs.size(), System.nanoTime() - startNanos));
    }
    FloatBuffer data = held.slice(0, rows.length * floatsPerImage);
    return new ImageBatch(pending.number, pending.first, rows, skipped, data);
  }

  /** What happened so far (complete once the last batch has been taken). */
  public PipelineReport report() {
    long end = endNanos != 0 ? endNanos : System.nanoTime();
    return new PipelineReport(inputs.size(), delivered, unreadable, (end - startNanos) / 1e9);
  }

  /** Stops the workers and the producer; safe to call more than once. */
  @Override
  public void close() {
    if (endNanos == 0) {
      endNanos = System.nanoTime();
    }
    closing = true;
    stopDispatching = true;
    stopThreads(true);
  }

  private PendingBatch awaitNext() throws InterruptedException {
    PendingBatch pending;
    while ((pending = ready.poll(100, TimeUnit.MILLISECONDS)) == null) {
      checkOpen();
    }
    while (!pending.done.await(100, TimeUnit.MILLISECONDS)) {
      checkOpen();
    }
    return pending;
  }

  private void checkOpen() {
    if (closing) {
      throw new IllegalStateException("the pipeline was closed while waiting for a batch");
    }
  }

  private void dispatch() {
    try {
      for (int b = 0; b < batches && !stopDispatching; b++) {
        FloatBuffer buffer = free.take();
        int first = b * batchSize;
        PendingBatch pending =
            new PendingBatch(b, first, Math.min(inputs.size(), first + batchSize), buffer);
        ready.put(pending);
        for (int i = pending.first; i < pending.end; i++) {
          int index = i;
          workers.execute(() -> pending.process(index, this::fill, this::onFailure));
        }
      }
    } catch (InterruptedException | RejectedExecutionException e) {
      // closing: nothing more to produce
    }
  }

  private void fill(int index, FloatBuffer buffer, int slot) throws ImageDecodeException {
    if (closing) {
      return; // the result will not be read
    }
    RgbImage image = opener.apply(inputs.get(index)).decode(decoder);
    preprocessor.preprocess(image, buffer, slot, randomFor(index));
  }

  private void onFailure(boolean unexpected) {
    if (unexpected || policy == BadFilePolicy.FAIL) {
      stopDispatching = true; // batches already started still finish
    }
  }

  private void stopThreads(boolean now) {
    if (now) {
      dispatcher.interrupt();
      workers.shutdownNow();
    } else {
      workers.shutdown();
    }
    try {
      workers.awaitTermination(30, TimeUnit.SECONDS);
      // a terminated pool's threads may still be finishing: join them, so none outlives us
      for (Thread t : ownThreads) {
        t.join(30_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private RandomGenerator randomFor(int index) {
    if (!preprocessor.spec().isRandom()) {
      return null;
    }
    return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (index + 1L)));
  }

  private static ThreadFactory named(String prefix, List<Thread> created) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix.endsWith("-") ? prefix + n.incrementAndGet() : prefix);
      t.setDaemon(true);
      created.add(t);
      return t;
    };
  }

  /** Builds a pipeline; {@link #setSpec} (or {@link #setPreprocessor}) is required. */
  public static final class Builder<T> {
    private final List<? extends T> inputs;
    private final Function<? super T, ImageSource> opener;
    private ImagePreprocessor preprocessor;
    private ImageDecoder decoder = ImageDecoder.pillowCompatible();
    private int batchSize = 32;
    private int threads = Runtime.getRuntime().availableProcessors();
    private int batchesInFlight = 2;
    private BadFilePolicy policy = BadFilePolicy.SKIP;
    private long seed;
    private ProgressListener listener;

    private Builder(List<? extends T> inputs, Function<? super T, ImageSource> opener) {
      this.inputs = Objects.requireNonNull(inputs, "inputs");
      this.opener = Objects.requireNonNull(opener, "opener");
    }

    public Builder<T> setSpec(PreprocessSpec spec) {
      this.preprocessor = new ImagePreprocessor(spec);
      return this;
    }

    public Builder<T> setPreprocessor(ImagePreprocessor preprocessor) {
      this.preprocessor = preprocessor;
      return this;
    }

    public Builder<T> optDecoder(ImageDecoder decoder) {
      this.decoder = Objects.requireNonNull(decoder, "decoder");
      return this;
    }

    /** Images per batch (default 32). */
    public Builder<T> optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Worker threads (default: available processors). */
    public Builder<T> optThreads(int threads) {
      this.threads = threads;
      return this;
    }

    /**
     * Batch buffers, including the one the consumer holds (default 2: one in use, one filling).
     * Direct memory used: {@code batchesInFlight * batchSize * 3 * side * side * 4} bytes.
     */
    public Builder<T> optBatchesInFlight(int batches) {
      this.batchesInFlight = batches;
      return this;
    }

    public Builder<T> optBadFilePolicy(BadFilePolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Seed of the training randomness (crop position, flip); irrelevant for test specs. */
    public Builder<T> optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Called on the consumer's thread after each batch. */
    public Builder<T> optProgressListener(ProgressListener listener) {
      this.listener = listener;
      return this;
    }

    public PreprocessingPipeline<T> build() {
      if (preprocessor == null) {
        throw new IllegalStateException("setSpec or setPreprocessor is required");
      }
      if (batchSize <= 0 || threads <= 0 || batchesInFlight <= 0) {
        throw new IllegalArgumentException(
            "batch size, threads and batches in flight must be positive, got "
                + batchSize
                + ", "
                + threads
                + ", "
                + batchesInFlight);
      }
      long bytes = 4L * batchSize * preprocessor.spec().floatsPerImage();
      if (bytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "a batch of "
                + batchSize
                + " images of "
                + preprocessor.spec().crop()
                + "x"
                + preprocessor.spec().crop()
                + " needs "
                + bytes
                + " bytes, more than one buffer can hold (2 GiB): use smaller batches");
      }
      return new PreprocessingPipeline<>(this);
    }
  }
}
