package org.mos.scorer.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.RgbImage;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.score.OdinSettings;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.monitoring.ScoreMonitor;

/**
 * Scores requests for the REST and gRPC layers: checks limits, decodes images (400) and tensors
 * (422), runs them through the model (micro-batched when on), and records metrics.
 */
@ApplicationScoped
public class ScoringService {

  private static final long TIMEOUT_SECONDS = 120;

  private final ModelRegistry registry;
  private final ScorerConfig config;
  private final MeterRegistry meters;
  private final ScoreMonitor monitor;
  private final ImageDecoder decoder = ImageDecoder.pillowCompatible();

  public ScoringService(
      ModelRegistry registry, ScorerConfig config, MeterRegistry meters, ScoreMonitor monitor) {
    this.monitor = monitor;
    this.registry = registry;
    this.config = config;
    this.meters = meters;
  }

  /**
   * A request from its options as the endpoints take them.
   *
   * @param methods method ids, or empty for all
   * @param include any of {@code logits}, {@code features}, {@code topk}
   * @param tpr the target ID TPR, or null for the configured default
   * @param topK classes per image when topk is included, or null/0 for the default
   * @throws ScoringProblem 400 on an unknown include or a TPR outside (0, 1]
   */
  public ScoreRequest request(
      List<String> methods, List<String> include, Double tpr, Integer topK) {
    boolean logits = false;
    boolean features = false;
    boolean top = false;
    for (String raw : include) {
      for (String item : raw.split(",")) {
        switch (item.strip().toLowerCase(Locale.ROOT)) {
          case "" -> {}
          case "logits" -> logits = true;
          case "features" -> features = true;
          case "topk" -> top = true;
          default ->
              throw ScoringProblem.badRequest(
                  "unknown include '" + item + "'; expected logits, features or topk");
        }
      }
    }
    List<String> ids = new ArrayList<>();
    for (String raw : methods) {
      for (String m : raw.split(",")) {
        if (!m.isBlank()) {
          ids.add(m.strip());
        }
      }
    }
    double target = tpr == null ? config.defaultTpr() : tpr;
    int k = top ? (topK == null || topK == 0 ? config.defaultTopK() : topK) : 0;
    try {
      return new ScoreRequest(ids, target, k, logits, features);
    } catch (IllegalArgumentException e) {
      throw ScoringProblem.badRequest(e.getMessage());
    }
  }

  /**
   * The request with ODIN settings from the endpoint's options ({@code odin.eps}, {@code odin.T}),
   * or unchanged (the bundle's settings) when both are absent; an absent one takes the MOS paper's
   * value (epsilon 0, T 1000).
   *
   * @throws ScoringProblem 400 on a negative epsilon or a non-positive temperature
   */
  public ScoreRequest withOdin(ScoreRequest request, Double epsilon, Double temperature) {
    if (epsilon == null && temperature == null) {
      return request;
    }
    OdinSettings paper = OdinSettings.PAPER_DEFAULT;
    try {
      return request.withOdin(
          new OdinSettings(
              epsilon == null ? paper.epsilon() : epsilon,
              temperature == null ? paper.temperature() : temperature));
    } catch (IllegalArgumentException e) {
      throw ScoringProblem.badRequest(e.getMessage());
    }
  }

  /**
   * A request's results and where its time went inside the service.
   *
   * @param scored the results
   * @param timing preparation, queueing, inference and scoring times
   */
  public record Timed(ScoredBatch scored, ServerTiming timing) {}

  /** Scores images with a model; {@code endpoint} tags the metrics (rest, v2, grpc). */
  public ScoredBatch score(
      String modelName, List<ImageInput> inputs, ScoreRequest request, String endpoint) {
    return scoreTimed(modelName, inputs, request, endpoint).scored();
  }

  /** {@link #score}, with the request's {@link ServerTiming}. */
  public Timed scoreTimed(
      String modelName, List<ImageInput> inputs, ScoreRequest request, String endpoint) {
    Timer.Sample sample = Timer.start(meters);
    String outcome = "error";
    try {
      Timed result = scoreUntimed(modelName, inputs, request);
      outcome = "ok";
      countDecisions(modelName, result.scored());
      monitor.record(modelName, result.scored());
      return result;
    } catch (ScoringProblem p) {
      outcome = String.valueOf(p.status());
      throw p;
    } finally {
      String model =
          registry.models().stream().anyMatch(m -> m.name().equals(modelName))
              ? modelName
              : "unknown";
      sample.stop(
          Timer.builder("mos.scorer.request.latency")
              .description("Scoring request latency")
              .tags("model", model, "endpoint", endpoint, "outcome", outcome)
              .publishPercentileHistogram()
              .register(meters));
      Counter.builder("mos.scorer.images")
          .description("Images in scoring requests")
          .tags("model", model, "endpoint", endpoint, "outcome", outcome)
          .register(meters)
          .increment(inputs.size());
    }
  }

  private Timed scoreUntimed(String modelName, List<ImageInput> inputs, ScoreRequest request) {
    JobTiming timing = new JobTiming(System.nanoTime());
    if (inputs.isEmpty()) {
      throw ScoringProblem.badRequest("the request holds no image");
    }
    if (inputs.size() > config.limits().maxImages()) {
      throw ScoringProblem.tooLarge(
          "the request holds "
              + inputs.size()
              + " images; at most "
              + config.limits().maxImages()
              + " are allowed (scorer.limits.max-images)");
    }
    LoadedModel model = registry.acquire(modelName);
    try {
      try {
        model.scorer().perturbedMethods(request); // also refuses unsupported methods
      } catch (IllegalArgumentException e) {
        throw ScoringProblem.badRequest(e.getMessage());
      }
      int side = model.model().inputSize();
      List<Object> prepared = new ArrayList<>(inputs.size());
      for (ImageInput input : inputs) {
        Object p = prepare(input, side);
        // resize and normalise here, on the request's thread, so that the batching thread
        // only copies tensors and runs the model
        prepared.add(p instanceof RgbImage image ? model.model().preprocess(image) : p);
      }
      Job job = new Job(prepared, request, new CompletableFuture<>(), timing);
      timing.queued(System.nanoTime());
      model.run(job);
      ScoredBatch scored = job.result().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return new Timed(scored, timing.snapshot());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ScoringProblem.unavailable("interrupted while scoring");
    } catch (TimeoutException e) {
      throw ScoringProblem.unavailable("scoring took longer than " + TIMEOUT_SECONDS + " s");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalArgumentException) {
        throw ScoringProblem.badTensor(cause.getMessage());
      }
      throw new IllegalStateException("scoring failed: " + cause.getMessage(), cause);
    } finally {
      model.release();
    }
  }

  private Object prepare(ImageInput input, int side) {
    if (input instanceof ImageInput.Encoded enc) {
      if (enc.bytes().length > config.limits().maxImageBytes()) {
        throw ScoringProblem.tooLarge(
            enc.source()
                + " has "
                + enc.bytes().length
                + " bytes; at most "
                + config.limits().maxImageBytes()
                + " are allowed (scorer.limits.max-image-bytes)");
      }
      if (enc.bytes().length == 0) {
        throw ScoringProblem.badImage(enc.source() + " is empty");
      }
      try {
        return decoder.decode(enc.bytes(), enc.source());
      } catch (ImageDecodeException | RuntimeException e) {
        throw ScoringProblem.badImage("cannot decode " + enc.source() + ": " + e.getMessage());
      }
    }
    ImageInput.Tensor t = (ImageInput.Tensor) input;
    float[] chw = t.chw();
    if (chw.length != 3 * side * side) {
      throw ScoringProblem.badTensor(
          t.source()
              + " has "
              + chw.length
              + " values; the model takes [3, "
              + side
              + ", "
              + side
              + "] = "
              + (3 * side * side));
    }
    for (int i = 0; i < chw.length; i++) {
      if (!Float.isFinite(chw[i])) {
        throw ScoringProblem.badTensor(t.source() + " value " + i + " is " + chw[i]);
      }
    }
    return chw;
  }

  private void countDecisions(String model, ScoredBatch result) {
    for (ImageResult image : result.images()) {
      image
          .decisions()
          .forEach(
              (method, d) ->
                  Counter.builder("mos.scorer.decisions")
                      .description("Calibrated decisions; ood=true share is the OOD-flag rate")
                      .tags("model", model, "method", method, "ood", String.valueOf(d.ood()))
                      .register(meters)
                      .increment());
    }
  }
}
