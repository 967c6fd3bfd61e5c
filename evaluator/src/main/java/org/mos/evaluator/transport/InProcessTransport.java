package org.mos.evaluator.transport;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoringPass;
import org.mos.common.score.OdinSettings;

/**
 * Scores images in this process: decode and preprocess on a pool of worker threads straight into
 * reusable input buffers, run the bundle's ONNX graph ({@link BundleModel}) on one inference
 * thread, and score with {@link BundleScorer}, the code the scorer service runs.
 *
 * <p>Tasks are cut into batches of {@code batchSize}. At most {@code batchesInFlight} batches exist
 * at once (one in the model, the others being decoded), so memory stays bounded and a slow consumer
 * stops the decoding; with two or more in flight the decoders fill the next batch while the model
 * runs the current one. An image that cannot be decoded yields {@link ScoredImage#failed}; its slot
 * is zeroed and its row dropped. Each method is scored by its own call so that its time can be told
 * apart ({@link MethodTimes}); input perturbation (ODIN with epsilon above 0, Mahalanobis fitted
 * with a magnitude above 0) runs inside its method's call, so its passes count as that method's
 * time.
 */
public final class InProcessTransport implements ScoringTransport, MethodTimes {

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final ModelBundle bundle;
  private final BundleModel model;
  private final BundleScorer scorer;
  private final int batchSize;
  private final int batchesInFlight;
  private final LongSupplier clock;
  private final ImageDecoder decoder = ImageDecoder.pillowCompatible();
  private final ExecutorService decoders;
  private final ExecutorService inference;
  private final BlockingQueue<InputBatch> buffers;
  private final float[] zeros;
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
    this.decoders = Executors.newFixedThreadPool(threads, daemon("mos-eval-" + n + "-decode-"));
    this.inference = Executors.newSingleThreadExecutor(daemon("mos-eval-" + n + "-infer-"));
    this.buffers = new ArrayBlockingQueue<>(batchesInFlight);
    for (int i = 0; i < batchesInFlight; i++) {
      buffers.add(model.newInputBatch(batchSize));
    }
    this.zeros = new float[buffers.peek().floatsPerImage()];
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
    return tasks
        .group()
        .intoLists()
        .of(batchSize)
        .onItem()
        .transformToUni(
            batch -> Uni.createFrom().completionStage(() -> process(batch, wanted, odin)))
        .merge(batchesInFlight)
        .onItem()
        .transformToIterable(results -> results);
  }

  /** Decodes a batch on the decoders, then runs and scores it on the inference thread. */
  private CompletableFuture<List<ScoredImage>> process(
      List<ImageTask> batch, List<String> methods, OdinSettings odin) {
    InputBatch polled = buffers.poll();
    // merge() keeps at most batchesInFlight batches alive, so a buffer is always free; a fresh
    // one is a safe fallback should that ever not hold.
    InputBatch input = polled != null ? polled : model.newInputBatch(batchSize);
    String[] errors = new String[batch.size()];
    CompletableFuture<?>[] decoded = new CompletableFuture<?>[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      int slot = i;
      decoded[i] =
          CompletableFuture.runAsync(
              () -> decodeInto(input, slot, batch.get(slot), errors), decoders);
    }
    return CompletableFuture.allOf(decoded)
        .thenApplyAsync(v -> runAndScore(input, batch, errors, methods, odin), inference)
        .whenComplete((r, e) -> buffers.offer(input));
  }

  private void decodeInto(InputBatch input, int slot, ImageTask task, String[] errors) {
    try {
      input.put(slot, decoder.decode(task.path()));
    } catch (ImageDecodeException e) {
      errors[slot] = e.reason();
    } catch (RuntimeException e) {
      errors[slot] = "cannot read or preprocess the image: " + e;
    }
    if (errors[slot] != null) {
      input.put(slot, zeros); // the row is dropped; zeros keep the graph's input finite
    }
  }

  private List<ScoredImage> runAndScore(
      InputBatch input,
      List<ImageTask> batch,
      String[] errors,
      List<String> methods,
      OdinSettings odin) {
    List<ScoredImage> out = new ArrayList<>(batch.size());
    boolean anyOk = false;
    for (String e : errors) {
      anyOk |= e == null;
    }
    if (!anyOk) {
      for (int i = 0; i < batch.size(); i++) {
        out.add(ScoredImage.failed(batch.get(i), errors[i]));
      }
      return out;
    }
    ScoreRequest request = new ScoreRequest(methods, 0.95, 0, false, false, odin);
    ScoringPass pass =
        scorer.pass(model, input, List.of(new ScoringPass.Part(request, batch.size())));
    long forwardStart = clock.getAsLong();
    pass.plainOutputs();
    forwardNanos.add(clock.getAsLong() - forwardStart);
    List<Map<String, Double>> scores = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      scores.add(new LinkedHashMap<>());
    }
    for (String method : methods) {
      long start = clock.getAsLong();
      // a method's passes on perturbed inputs run inside its own call: its time, not the shared
      // forward's (ODIN's gradient graph recomputes the forward it needs)
      double[] values = pass.scores(0, method);
      scoringNanos.computeIfAbsent(method, m -> new LongAdder()).add(clock.getAsLong() - start);
      for (int i = 0; i < values.length; i++) {
        scores.get(i).put(method, values[i]);
      }
    }
    List<ImageResult> images = pass.score(0).images();
    for (int i = 0; i < batch.size(); i++) {
      ImageTask task = batch.get(i);
      out.add(
          errors[i] != null
              ? ScoredImage.failed(task, errors[i])
              : ScoredImage.of(task, images.get(i).predictedClass(), scores.get(i)));
    }
    return out;
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
    decoders.shutdownNow();
    inference.shutdownNow();
    // A batch may still be inside ONNX Runtime (a run that failed downstream closes its transport
    // while the inference thread works): freeing the session under it crashes the JVM, so wait for
    // both pools first, and rather leak the session than free it while it may still run.
    if (!awaitQuietly(inference) || !awaitQuietly(decoders)) {
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
