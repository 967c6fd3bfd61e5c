package org.mos.scorer.kserve;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.ImageResult;
import org.mos.scorer.limits.ScorerLimits;
import org.mos.scorer.service.LoadedModel;
import org.mos.scorer.service.ModelRegistry;
import org.mos.scorer.service.ScoringProblem;
import org.mos.scorer.service.ScoringService;
import org.mos.scorer.service.ServerTiming;

/**
 * The Open Inference Protocol (KServe v2) over the scorer's models, for REST and gRPC alike:
 * metadata, readiness and inference on decoded requests.
 *
 * <p>A model takes one input named {@value #INPUT}: FP32 (FP16, FP64) {@code [N, 3, size, size]}
 * preprocessed images, or BYTES {@code [N]} (or {@code [N, 1]}) encoded images that the bundle's
 * own preprocessing resizes and normalises. Its outputs: {@value #LOGITS} FP32 {@code [N, L]},
 * {@value #FEATURES} FP32 {@code [N, D]} when the bundle has them, {@value #PREDICTED_CLASS} INT64
 * {@code [N]} and one FP64 {@code [N]} per OOD method, named by the method id (higher = more
 * in-distribution). Request parameters: {@code methods} (comma-separated ids), {@code tpr}, {@code
 * odin.eps}, {@code odin.T}.
 *
 * <p>This class answers metadata and readiness and runs the requests; {@link V2Plan} checks a
 * request against its model and {@link V2Tensors} turns tensors into images and results into
 * tensors.
 */
@ApplicationScoped
public class V2Inference {

  /** The server's name in its metadata. */
  public static final String SERVER_NAME = "mos-scorer";

  /** The protocol extensions the server supports (REST). */
  public static final List<String> EXTENSIONS = List.of("binary_tensor_data");

  /** The platform name, from the protocol's list: the models run on ONNX Runtime. */
  public static final String PLATFORM = "onnxruntime_onnx";

  public static final String INPUT = "input";
  public static final String LOGITS = "logits";
  public static final String FEATURES = "features";
  public static final String PREDICTED_CLASS = "predicted_class";

  private final ModelRegistry registry;
  private final ScoringService service;
  private final ScorerLimits limits;
  private final String serverVersion;

  public V2Inference(
      ModelRegistry registry,
      ScoringService service,
      ScorerLimits limits,
      @org.eclipse.microprofile.config.inject.ConfigProperty(
              name = "quarkus.application.version",
              defaultValue = "0.1.0")
          String serverVersion) {
    this.registry = registry;
    this.service = service;
    this.limits = limits;
    this.serverVersion = serverVersion;
  }

  /**
   * The budget of elements a request's input tensors may declare ({@code
   * scorer.limits.max-tensor-elements}).
   */
  public long maxTensorElements() {
    return limits.maxTensorElements();
  }

  /**
   * Server metadata.
   *
   * @param name the server's name
   * @param version its version
   * @param extensions the protocol extensions it supports
   */
  public record ServerMetadata(String name, String version, List<String> extensions) {}

  public ServerMetadata serverMetadata() {
    return new ServerMetadata(SERVER_NAME, serverVersion, EXTENSIONS);
  }

  /** Whether the server is ready: the models folder was scanned and a model is loaded. */
  public boolean serverReady() {
    return registry.ready();
  }

  /**
   * A tensor's metadata.
   *
   * @param name its name
   * @param datatype its datatype
   * @param shape its shape, -1 for a variable dimension
   */
  public record TensorMetadata(String name, V2Datatype datatype, List<Long> shape) {}

  /**
   * A model's metadata.
   *
   * @param name the model name
   * @param versions its one version: the first 12 hex digits of the bundle checksum
   * @param platform {@value #PLATFORM}
   * @param inputs its input
   * @param outputs its outputs
   */
  public record ModelMetadata(
      String name,
      List<String> versions,
      String platform,
      List<TensorMetadata> inputs,
      List<TensorMetadata> outputs) {}

  /**
   * A model's metadata.
   *
   * @throws ScoringProblem 404 for an unknown model or version
   */
  public ModelMetadata modelMetadata(String model, String version) {
    LoadedModel m = acquire(model, version);
    try {
      long size = m.model().inputSize();
      List<TensorMetadata> outputs = new ArrayList<>();
      outputs.add(meta(LOGITS, V2Datatype.FP32, -1, m.model().manifest().logitCount()));
      if (m.model().outputNames().contains(BundleModel.FEATURES)) {
        outputs.add(meta(FEATURES, V2Datatype.FP32, -1, -1));
      }
      outputs.add(meta(PREDICTED_CLASS, V2Datatype.INT64, -1));
      for (String method : m.scorer().methods()) {
        outputs.add(meta(method, V2Datatype.FP64, -1));
      }
      return new ModelMetadata(
          m.name(),
          List.of(version(m)),
          PLATFORM,
          List.of(meta(INPUT, V2Datatype.FP32, -1, 3, size, size)),
          outputs);
    } finally {
      m.release();
    }
  }

  /**
   * Whether a model is ready: true when loaded; false when its bundle failed to load.
   *
   * @throws ScoringProblem 404 for a model that is neither loaded nor failed, or an unknown version
   */
  public boolean modelReady(String model, String version) {
    if (version == null && registry.failures().containsKey(model)) {
      return false;
    }
    acquire(model, version).release();
    return true;
  }

  /**
   * The result of an inference.
   *
   * @param model the model name
   * @param version the version that answered
   * @param id the request's id, or null
   * @param outputs the outputs, in the order asked for (else logits, features, predicted_class,
   *     methods)
   * @param timing where the time went
   */
  public record Result(
      String model, String version, String id, List<V2Output> outputs, ServerTiming timing) {}

  /**
   * Runs an inference request.
   *
   * @param endpoint the metrics tag of the transport
   * @throws ScoringProblem 400 for a request the model cannot take, 404 for an unknown model or
   *     version, 413 beyond the limits
   */
  public Result infer(V2Request request, String endpoint) {
    LoadedModel m = acquire(request.model(), request.version());
    V2Plan plan;
    try {
      plan = V2Plan.of(m, request, service);
    } finally {
      m.release();
    }
    ScoringService.Timed timed =
        service.scoreTimed(request.model(), plan.images(), plan.scoreRequest(), endpoint);
    List<ImageResult> images = timed.scored().images();
    Map<String, V2Output> all = V2Tensors.outputs(images);
    List<V2Output> chosen = new ArrayList<>();
    for (String name : plan.outputs()) {
      V2Output o = all.get(name);
      if (o == null) {
        throw new IllegalStateException("the scorer produced no output '" + name + "'");
      }
      chosen.add(o);
    }
    return new Result(request.model(), plan.version(), request.id(), chosen, timed.timing());
  }

  private LoadedModel acquire(String model, String version) {
    LoadedModel m = registry.acquire(model);
    if (version != null && !version.equals(version(m))) {
      String current = version(m);
      m.release();
      throw new ScoringProblem(
          404,
          "Unknown model version",
          "model '"
              + model
              + "' has no version '"
              + version
              + "'; it serves version '"
              + current
              + "'");
    }
    return m;
  }

  /** A model's version: the first 12 hex digits of its bundle checksum. */
  public static String version(LoadedModel m) {
    return m.model().checksum().substring(0, 12);
  }

  private static TensorMetadata meta(String name, V2Datatype datatype, long... shape) {
    return new TensorMetadata(name, datatype, Arrays.stream(shape).boxed().toList());
  }
}
