package org.mos.evaluator.transport;

import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.ImageSource;
import org.mos.common.image.RgbImage;
import org.mos.common.image.UnreadableImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.BundleStream;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoringPass;
import org.mos.common.score.OdinSettings;

/**
 * Scores images in this process: streams the tasks' images through the bundle's model with a {@link
 * BundleStream} (decoding and preprocessing on its worker threads, the model on one inference
 * thread) and scores each batch with {@link BundleScorer}, the code the scorer service runs.
 *
 * <p>Tasks are pulled lazily and cut into batches of {@code batchSize}. At most {@code
 * batchesInFlight} batches exist at once (one in the model, the others being decoded), so memory
 * stays bounded and a slow consumer stops the decoding; with two or more in flight the decoders
 * fill the next batch while the model runs the current one. An image that cannot be decoded yields
 * {@link ScoredImage#failed} in its place; the model runs on the readable rows only. Each method is
 * scored by its own call so that its time can be told apart ({@link MethodTimes}); input
 * perturbation (ODIN with epsilon above 0, Mahalanobis fitted with a magnitude above 0) runs inside
 * its method's call, so its passes count as that method's time.
 */
public final class InProcessTransport implements ScoringTransport, MethodTimes {

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final ModelBundle bundle;
  private final BundleModel model;
  private final BundleScorer scorer;
  private final int batchSize;
  private final int batchesInFlight;
  private final LongSupplier clock;
  private final int threads;
  private final ExecutorService inference;
  private final Set<BundleStream<ImageTask>> streams = ConcurrentHashMap.newKeySet();
  private final Map<String, LongAdder> scoringNanos = new ConcurrentHashMap<>();
  private final LongAdder forwardNanos = new LongAdder();

  /**
   * A transport over an opened bundle and its model; closing the transport closes both.
   *
   * @param batchSize images per forward pass
   * @param threads decoding threads
   * @param batchesInFlight batches that may exist at once (2 or more overlaps decoding and
   *     inference)
   * @param clock nanosecond clock of the method timings
   */
  public InProcessTransport(
      ModelBundle bundle,
      BundleModel model,
      int batchSize,
      int threads,
      int batchesInFlight,
      LongSupplier clock)
      throws IOException {
    if (batchSize < 1 || threads < 1 || batchesInFlight < 1) {
      throw new IllegalArgumentException(
          "batch size, threads and batches in flight must be 1 or more, got "
              + batchSize
              + ", "
              + threads
              + ", "
              + batchesInFlight);
    }
    this.bundle = bundle;
    this.model = model;
    this.scorer = BundleScorer.of(bundle);
    this.batchSize = batchSize;
    this.batchesInFlight = batchesInFlight;
    this.clock = clock;
    int n = INSTANCES.incrementAndGet();
    this.threads = threads;
    this.inference = Executors.newSingleThreadExecutor(daemon("mos-eval-" + n + "-infer-"));
  }

  /** Opens the bundle at {@code path} and its model with {@code options}. */
  public static InProcessTransport open(
      Path path,
      InferenceOptions options,
      int batchSize,
      int threads,
      int batchesInFlight,
      LongSupplier clock)
      throws IOException {
    ModelBundle bundle = ModelBundle.open(path);
    BundleModel model = null;
    try {
      model = BundleModel.open(bundle, options);
      return new InProcessTransport(bundle, model, batchSize, threads, batchesInFlight, clock);
    } catch (IOException | RuntimeException e) {
      if (model != null) {
        model.close();
      }
      bundle.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return "in-process";
  }

  @Override
  public List<String> methods() {
    return scorer.methods();
  }

  @Override
  public String modelChecksum() {
    return bundle.checksum();
  }

  /** The bundle being scored with. */
  public ModelBundle bundle() {
    return bundle;
  }

  /** The model (its device, its manifest). */
  public BundleModel model() {
    return model;
  }

  @Override
  public Map<String, Double> scoringSeconds() {
    Map<String, Double> out = new TreeMap<>();
    scoringNanos.forEach((m, t) -> out.put(m, t.sum() / 1e9));
    return out;
  }

  /**
   * Seconds spent so far in the model's plain forward passes ({@link ScoringPass#plainOutputs}),
   * cumulative: the share of a run's wall time the model was busy with what every method shares.
   */
  public double forwardSeconds() {
    return forwardNanos.sum() / 1e9;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException naming a method the bundle does not support, or ODIN settings
   *     it cannot apply (epsilon above 0 on a bundle without gradient graphs)
   */
  @Override
  public Multi<ScoredImage> score(Multi<ImageTask> tasks, List<String> methods, OdinSettings odin) {
    ScoreRequest all = new ScoreRequest(methods, 0.95, 0, false, false, odin);
    List<String> wanted = scorer.resolveMethods(all);
    scorer.perturbedMethods(all); // refuses what cannot be done before any image is decoded
    ScoreRequest request = new ScoreRequest(wanted, 0.95, 0, false, false, odin);
    AtomicReference<Results> run = new AtomicReference<>();
    // The stream blocks while it waits for images, so it is pulled on the inference thread only
    // (runSubscriptionOn sends the subscriber's requests there too), one result per request:
    // nothing is read further ahead than the stream's batches in flight and one batch of tasks.
    return Multi.createFrom()
        .iterable(
            () -> {
              Results results = new Results(tasks, request);
              run.set(results);
              return results;
            })
        .runSubscriptionOn(inference)
        .onTermination()
        .invoke(
            () -> {
              Results results = run.getAndSet(null);
              if (results != null) {
                inference.execute(results::close); // after the batch the inference thread runs
              }
            });
  }

  /**
   * The results of one {@link #score} call, in task order: pulls tasks through a {@link
   * BundleStream} (decoding on its worker threads) and scores each of its batches.
   */
  private final class Results implements Iterator<ScoredImage>, AutoCloseable {
    private final ScoreRequest request;
    private final Iterator<ImageTask> source;

    /** Tasks pulled by the stream, in order, until their batch comes out. */
    private final Queue<ImageTask> pulled = new ConcurrentLinkedQueue<>();

    private final BundleStream<ImageTask> stream;
    private final Deque<ScoredImage> ready = new ArrayDeque<>();

    Results(Multi<ImageTask> tasks, ScoreRequest request) {
      this.request = request;
      // one batch of tasks buffered between the source and the stream
      this.source =
          tasks
              .subscribe()
              .asIterable(batchSize, () -> new ArrayBlockingQueue<>(batchSize))
              .iterator();
      Iterator<ImageTask> recording =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return source.hasNext();
            }

            @Override
            public ImageTask next() {
              ImageTask task = source.next();
              pulled.add(task);
              return task;
            }
          };
      this.stream =
          BundleStream.builder(model, recording, InProcessTransport::imageOf)
              .optBatchSize(batchSize)
              .optThreads(threads)
              .optBatchesInFlight(batchesInFlight)
              .optBadFilePolicy(BadFilePolicy.SKIP) // mos evaluate applies --on-bad-image
              .build();
      streams.add(stream);
    }

    @Override
    public boolean hasNext() {
      if (ready.isEmpty() && stream.hasNext()) {
        try {
          ready.addAll(scoreBatch(stream.next()));
        } catch (ImageDecodeException e) {
          throw new IllegalStateException("unreachable: bad images are skipped", e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for images", e);
        }
      }
      return !ready.isEmpty();
    }

    @Override
    public ScoredImage next() {
      if (!hasNext()) {
        throw new NoSuchElementException("no more tasks");
      }
      return ready.poll();
    }

    private List<ScoredImage> scoreBatch(BundleStream<ImageTask>.Batch batch) {
      List<ImageTask> tasks = new ArrayList<>();
      for (int i = batch.size() + batch.skipped().size(); i > 0; i--) {
        tasks.add(pulled.remove());
      }
      Map<Integer, String> errors = new HashMap<>();
      for (UnreadableImage u : batch.skipped()) {
        errors.put(u.index(), u.reason());
      }
      int first = batch.number() * batchSize; // the input index of the batch's first task
      List<ScoredImage> out = new ArrayList<>(tasks.size());
      if (batch.size() == 0) {
        for (int i = 0; i < tasks.size(); i++) {
          out.add(ScoredImage.failed(tasks.get(i), errors.get(first + i)));
        }
        return out;
      }
      ScoringPass pass =
          scorer.pass(model, batch.input(), List.of(new ScoringPass.Part(request, batch.size())));
      long forwardStart = clock.getAsLong();
      pass.plainOutputs();
      forwardNanos.add(clock.getAsLong() - forwardStart);
      List<Map<String, Double>> scores = new ArrayList<>(batch.size());
      for (int r = 0; r < batch.size(); r++) {
        scores.add(new LinkedHashMap<>());
      }
      for (String method : request.methods()) {
        long start = clock.getAsLong();
        // a method's passes on perturbed inputs run inside its own call: its time, not the shared
        // forward's (ODIN's gradient graph recomputes the forward it needs)
        double[] values = pass.scores(0, method);
        scoringNanos.computeIfAbsent(method, m -> new LongAdder()).add(clock.getAsLong() - start);
        for (int r = 0; r < values.length; r++) {
          scores.get(r).put(method, values[r]);
        }
      }
      List<ImageResult> images = pass.score(0).images();
      int row = 0;
      for (int i = 0; i < tasks.size(); i++) {
        ImageTask task = tasks.get(i);
        String error = errors.get(first + i);
        if (error != null) {
          out.add(ScoredImage.failed(task, error));
        } else {
          out.add(ScoredImage.of(task, images.get(row).predictedClass(), scores.get(row)));
          row++;
        }
      }
      return out;
    }

    @Override
    public void close() {
      stream.close();
      streams.remove(stream);
    }
  }

  /**
   * Reads a task's image file; an unexpected failure is an unreadable image too, so one bad file
   * never stops the run (mos evaluate applies --on-bad-image).
   */
  private static ImageSource imageOf(ImageTask task) {
    ImageSource file = ImageSource.of(task.path());
    return new ImageSource() {
      @Override
      public String name() {
        return file.name();
      }

      @Override
      public RgbImage decode(ImageDecoder decoder) throws ImageDecodeException {
        try {
          return file.decode(decoder);
        } catch (RuntimeException e) {
          throw new ImageDecodeException(
              file.name(), "cannot read or preprocess the image: " + e, e);
        }
      }
    };
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** How long closing waits for a batch in flight. */
  private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(60);

  private static boolean awaitQuietly(ExecutorService pool) {
    try {
      return pool.awaitTermination(
          CLOSE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    inference.shutdownNow();
    streams.forEach(BundleStream::close); // stops their decoding threads
    // A batch may still be inside ONNX Runtime (a run that failed downstream closes its transport
    // while the inference thread works): freeing the session under it crashes the JVM, so wait for
    // the inference thread first, and rather leak the session than free it while it may still run.
    if (!awaitQuietly(inference)) {
      System.getLogger(InProcessTransport.class.getName())
          .log(
              System.Logger.Level.WARNING,
              "an inference batch did not finish within "
                  + CLOSE_WAIT.toSeconds()
                  + " s of closing; its ONNX Runtime session is left open");
      return;
    }
    try {
      model.close();
    } finally {
      try {
        bundle.close();
      } catch (IOException e) {
        throw new UncheckedIOException("closing the bundle " + bundle.source(), e);
      }
    }
  }
}
