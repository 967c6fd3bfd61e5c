package org.mos.scorer.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.ImageHeader;
import org.mos.common.image.RgbImage;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.score.OdinSettings;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.limits.Admission;
import org.mos.scorer.limits.ScorerLimits;
import org.mos.scorer.monitoring.ScoreMonitor;

/**
 * Scores requests for the REST, gRPC and Kafka layers: checks the limits ({@link ScorerLimits}:
 * sizes, header pixels, tensor shapes; 413) before anything is decoded, takes the request's work
 * from the {@link Admission} budget (503 when full), decodes images (400) and tensors (422), runs
 * them through the model (micro-batched when on), and records metrics.
 */
@ApplicationScoped
public class ScoringService {

  private static final long TIMEOUT_SECONDS = 120;

  /** How long a Kafka request waits for room in the work in flight before its 503 reply. */
  static final Duration KAFKA_ADMISSION_WAIT = Duration.ofSeconds(60);

  private final ModelRegistry registry;
  private final ScorerConfig config;
  private final MeterRegistry meters;
  private final ScoreMonitor monitor;
  private final ScorerLimits limits;
  private final Admission admission;
  private final ImageDecoder decoder;

  public ScoringService(
      ModelRegistry registry,
      ScorerConfig config,
      ScorerLimits limits,
      Admission admission,
      MeterRegistry meters,
      ScoreMonitor monitor) {
    this.monitor = monitor;
    this.registry = registry;
    this.config = config;
    this.limits = limits;
    this.admission = admission;
    this.meters = meters;
    // the header is checked before decoding too; this is the decoder's own guard
    this.decoder = ImageDecoder.pillowCompatible().withMaxPixels(limits.maxImagePixels());
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
    if (topK != null && topK < 0) {
      throw ScoringProblem.badRequest("top_k is " + topK + "; expected 0 or more");
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
      Timed result = scoreUntimed(modelName, inputs, request, endpoint);
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

  private Timed scoreUntimed(
      String modelName, List<ImageInput> inputs, ScoreRequest request, String endpoint) {
    JobTiming timing = new JobTiming(System.nanoTime());
    checkImageCount(inputs.size());
    LoadedModel model = registry.acquire(modelName);
    Admission.Permit permit = null;
    try {
      try {
        model.scorer().perturbedMethods(request); // also refuses unsupported methods
      } catch (IllegalArgumentException e) {
        throw ScoringProblem.badRequest(e.getMessage());
      }
      int side = model.model().inputSize();
      // every budget is checked before anything is decoded: sizes, header pixels, tensor shapes
      long work = 0;
      for (ImageInput input : inputs) {
        work += check(input, side);
      }
      permit = admit(work, inputs.size(), endpoint);
      List<Object> prepared = new ArrayList<>(inputs.size());
      for (ImageInput input : inputs) {
        Object p = prepare(input);
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
      if (cause instanceof ScoringProblem p) {
        throw p;
      }
      throw new IllegalStateException("scoring failed: " + cause.getMessage(), cause);
    } finally {
      if (permit != null) {
        permit.close();
      }
      model.release();
    }
  }

  /**
   * Checks the number of images of a request, before its images are read.
   *
   * @throws ScoringProblem 400 for none, 413 for more than {@code scorer.limits.max-images}
   */
  public void checkImageCount(int images) {
    if (images == 0) {
      throw ScoringProblem.badRequest("the request holds no image");
    }
    if (images > limits.maxImages()) {
      throw ScoringProblem.tooLarge(
          "the request holds "
              + images
              + " images; at most "
              + limits.maxImages()
              + " are allowed (scorer.limits.max-images)");
    }
  }

  /**
   * A permit for {@code work} elements: at once or 503 for request/response transports; Kafka waits
   * (its consumer pulls, so waiting is its back-pressure) up to {@link #KAFKA_ADMISSION_WAIT}.
   */
  private Admission.Permit admit(long work, int images, String endpoint)
      throws InterruptedException {
    String what = "the request's " + images + (images == 1 ? " image" : " images");
    return "kafka".equals(endpoint)
        ? admission.admit(work, what, KAFKA_ADMISSION_WAIT)
        : admission.tryAdmit(work, what);
  }

  /**
   * Checks an input against the limits without decoding it (encoded size, header pixels, tensor
   * shape and values) and returns its work in elements: decoded pixels plus the model input.
   */
  private long check(ImageInput input, int side) {
    long modelInput = 3L * side * side;
    if (input instanceof ImageInput.Encoded enc) {
      if (enc.bytes().length > limits.maxImageBytes()) {
        throw ScoringProblem.tooLarge(
            enc.source()
                + " has "
                + enc.bytes().length
                + " bytes; at most "
                + limits.maxImageBytes()
                + " are allowed (scorer.limits.max-image-bytes)");
      }
      if (enc.bytes().length == 0) {
        throw ScoringProblem.badImage(enc.source() + " is empty");
      }
      ImageHeader header;
      try {
        header = ImageHeader.read(enc.bytes(), enc.source());
      } catch (ImageDecodeException e) {
        throw ScoringProblem.badImage("cannot decode " + enc.source() + ": " + e.reason());
      }
      if (header.pixels() > limits.maxImagePixels()) {
        throw ScoringProblem.tooLarge(
            enc.source()
                + " is a "
                + header.format()
                + " of "
                + header.width()
                + " x "
                + header.height()
                + " = "
                + header.pixels()
                + " pixels; at most "
                + limits.maxImagePixels()
                + " are allowed (scorer.limits.max-image-pixels)");
      }
      return header.pixels() + modelInput;
    }
    ImageInput.Tensor t = (ImageInput.Tensor) input;
    float[] chw = t.chw();
    if (chw.length != modelInput) {
      throw ScoringProblem.badTensor(
          t.source()
              + " has "
              + chw.length
              + " values; the model takes [3, "
              + side
              + ", "
              + side
              + "] = "
              + modelInput);
    }
    for (int i = 0; i < chw.length; i++) {
      if (!Float.isFinite(chw[i])) {
        throw ScoringProblem.badTensor(t.source() + " value " + i + " is " + chw[i]);
      }
    }
    return modelInput;
  }

  private Object prepare(ImageInput input) {
    if (input instanceof ImageInput.Encoded enc) {
      try {
        return decoder.decode(enc.bytes(), enc.source());
      } catch (ImageDecodeException e) {
        throw ScoringProblem.badImage("cannot decode " + enc.source() + ": " + e.reason());
      } catch (RuntimeException e) {
        throw ScoringProblem.badImage("cannot decode " + enc.source() + ": " + e.getMessage());
      }
    }
    return ((ImageInput.Tensor) input).chw();
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
