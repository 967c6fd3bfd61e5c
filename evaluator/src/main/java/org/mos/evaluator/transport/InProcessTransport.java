package org.mos.evaluator.transport;

import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.BundleStream;
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
    AtomicReference<InProcessResults> run = new AtomicReference<>();
    // The stream blocks while it waits for images, so it is pulled on the inference thread only
    // (runSubscriptionOn sends the subscriber's requests there too), one result per request:
    // nothing is read further ahead than the stream's batches in flight and one batch of tasks.
    return Multi.createFrom()
        .iterable(
            () -> {
              InProcessResults results =
                  new InProcessResults(
                      tasks, request, this::stream, scorer, model, batchSize, timings());
              run.set(results);
              return results;
            })
        .runSubscriptionOn(inference)
        .onTermination()
        .invoke(
            () -> {
              InProcessResults results = run.getAndSet(null);
              if (results != null) {
                inference.execute(results::close); // after the batch the inference thread runs
              }
            });
  }

  /**
   * A stream of the tasks' images through the model, registered so that {@link #close} stops its
   * decoding threads; {@link InProcessResults#close} unregisters it.
   */
  private BundleStream<ImageTask> stream(Iterator<ImageTask> tasks) {
    BundleStream<ImageTask> stream =
        BundleStream.builder(model, tasks, InProcessResults::imageOf)
            .optBatchSize(batchSize)
            .optThreads(threads)
            .optBatchesInFlight(batchesInFlight)
            .optBadFilePolicy(BadFilePolicy.SKIP) // mos evaluate applies --on-bad-image
            .build();
    streams.add(stream);
    return stream;
  }

  /** Where a run adds its forward and per-method times. */
  private InProcessResults.Timings timings() {
    return new InProcessResults.Timings(clock, forwardNanos, scoringNanos, s -> streams.remove(s));
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
