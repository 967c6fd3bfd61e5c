package org.mos.common.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Iterator;
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
 * Decodes and preprocesses an ordered list of inputs, or a lazily pulled and possibly endless
 * {@link Iterator} of them, on a pool of worker threads and hands out batches in input order, in
 * reusable direct buffers.
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
 * <p>An iterator source is pulled on the pipeline's own thread, one batch at a time and only when a
 * buffer is free, so at most {@code batchesInFlight * batchSize} inputs are read ahead of the
 * consumer; its end is known only when it runs dry, so {@link #hasNext()} may wait for it, and
 * progress has no total ({@link Progress#total()} is -1).
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

  /** The inputs when given as a list (their number is known up front), else null. */
  private final List<T> inputs;

  private final Iterator<? extends T> source;
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
  private PendingBatch peeked;
  private boolean sourceDone;

  private PreprocessingPipeline(Builder<T> b) {
    this.inputs = b.inputs == null ? null : List.copyOf(b.inputs);
    this.source = inputs == null ? b.source : inputs.iterator();
    this.opener = b.opener;
    this.preprocessor = b.preprocessor;
    this.decoder = b.decoder;
    this.batchSize = b.batchSize;
    this.batches = inputs == null ? -1 : (inputs.size() + batchSize - 1) / batchSize;
    this.floatsPerImage = preprocessor.spec().floatsPerImage();
    this.policy = b.policy;
    this.seed = b.seed;
    this.listener = b.listener;
    int buffers =
        inputs == null ? b.batchesInFlight : Math.max(1, Math.min(b.batchesInFlight, batches));
    this.free = new ArrayBlockingQueue<>(buffers);
    // one more than the buffers: the end marker of an iterator source holds none
    this.ready = new ArrayBlockingQueue<>(buffers + 1);
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
    return new Builder<>(Objects.requireNonNull(inputs, "inputs"), null, opener);
  }

  /**
   * A builder over a lazily pulled, possibly endless {@code source}, read on the pipeline's thread
   * no further than the batches in flight; {@code opener} says how to read one input.
   */
  public static <T> Builder<T> builder(
      Iterator<? extends T> source, Function<? super T, ImageSource> opener) {
    return new Builder<>(null, Objects.requireNonNull(source, "source"), opener);
  }

  /**
   * Whether another batch can be taken. False once all are out, after a failure, or closed. With an
   * iterator source this waits until the next batch has been pulled from it or it ran dry. That
   * wait hands the previous batch's buffer back first (the source is pulled only into a free
   * buffer), so with an iterator source the previous batch must no longer be used after this call.
   *
   * @throws IllegalStateException when the pipeline is closed while waiting
   */
  public boolean hasNext() {
    if (closing || failed) {
      return false;
    }
    if (inputs != null) {
      return nextBatch < batches;
    }
    if (sourceDone) {
      return false;
    }
    if (peeked == null) {
      try {
        peeked = awaitReady();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the next batch", e);
      }
    }
    if (peeked.isEnd()) {
      sourceDone = true;
      endNanos = System.nanoTime();
      stopThreads(false);
      return false;
    }
    return true;
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
    PendingBatch pending = awaitNext();
    if (pending.error != null && pending.errorIndex < 0) {
      failed = true;
      close();
      throw new IllegalStateException(
          "the input source failed after " + pending.first + " inputs", pending.error);
    }
    if (pending.error != null) {
      failed = true;
      close();
      throw new IllegalStateException(
          "preprocessing failed unexpectedly on input #"
              + pending.errorIndex
              + " ("
              + pending.inputs.get(pending.errorIndex - pending.first)
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
    if (listener != null) {
      long total = inputs == null ? -1 : inputs.size();
      listener.onProgress(Progress.of(pending.end, total, System.nanoTime() - startNanos));
    }
    FloatBuffer data = held.slice(0, rows.length * floatsPerImage);
    return new ImageBatch(pending.number, pending.first, rows, skipped, data);
  }

  /** What happened so far (complete once the last batch has been taken). */
  public PipelineReport report() {
    long end = endNanos != 0 ? endNanos : System.nanoTime();
    // an iterator source's count so far: every input handed out, read or not
    int total = inputs != null ? inputs.size() : delivered + unreadable.size();
    return new PipelineReport(total, delivered, unreadable, (end - startNanos) / 1e9);
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

  private PendingBatch awaitReady() throws InterruptedException {
    if (held != null) {
      free.put(held); // the source is pulled only into a free buffer: give the last one back
      held = null;
    }
    PendingBatch pending;
    while ((pending = ready.poll(100, TimeUnit.MILLISECONDS)) == null) {
      checkOpen();
    }
    return pending;
  }

  private PendingBatch awaitNext() throws InterruptedException {
    PendingBatch pending = peeked;
    peeked = null;
    if (pending == null) {
      pending = awaitReady();
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
      // a list's batches are all known; an iterator source ends when it runs dry
      for (int b = 0; (inputs == null || b < batches) && !stopDispatching; b++) {
        FloatBuffer buffer = free.take();
        int first = b * batchSize;
        List<T> items = new ArrayList<>(batchSize);
        try {
          while (items.size() < batchSize && source.hasNext()) {
            items.add(source.next());
          }
        } catch (RuntimeException e) {
          ready.put(PendingBatch.sourceFailed(b, first + items.size(), e));
          return;
        }
        if (items.isEmpty()) {
          ready.put(PendingBatch.end(b, first));
          return;
        }
        PendingBatch pending = new PendingBatch(b, first, items, buffer);
        ready.put(pending);
        for (int i = 0; i < items.size(); i++) {
          int index = first + i;
          T item = items.get(i);
          workers.execute(
              () ->
                  pending.process(
                      index, (k, buf, slot) -> fill(item, k, buf, slot), this::onFailure));
        }
      }
    } catch (InterruptedException | RejectedExecutionException e) {
      // closing: nothing more to produce
    }
  }

  private void fill(T item, int index, FloatBuffer buffer, int slot) throws ImageDecodeException {
    if (closing) {
      return; // the result will not be read
    }
    RgbImage image = opener.apply(item).decode(decoder);
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
    private final Iterator<? extends T> source;
    private final Function<? super T, ImageSource> opener;
    private ImagePreprocessor preprocessor;
    private ImageDecoder decoder = ImageDecoder.pillowCompatible();
    private int batchSize = 32;
    private int threads = Runtime.getRuntime().availableProcessors();
    private int batchesInFlight = 2;
    private BadFilePolicy policy = BadFilePolicy.SKIP;
    private long seed;
    private ProgressListener listener;

    private Builder(
        List<? extends T> inputs,
        Iterator<? extends T> source,
        Function<? super T, ImageSource> opener) {
      this.inputs = inputs;
      this.source = source;
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
