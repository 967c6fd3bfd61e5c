package org.mos.scorer.kserve;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoreRequest;
import org.mos.scorer.limits.ScorerLimits;
import org.mos.scorer.service.ImageInput;
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
    Plan plan;
    try {
      plan = plan(m, request);
    } finally {
      m.release();
    }
    ScoringService.Timed timed =
        service.scoreTimed(request.model(), plan.images(), plan.scoreRequest(), endpoint);
    List<ImageResult> images = timed.scored().images();
    Map<String, V2Output> all = outputs(images);
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

  private record Plan(
      List<ImageInput> images, ScoreRequest scoreRequest, List<String> outputs, String version) {}

  private Plan plan(LoadedModel m, V2Request request) {
    if (request.inputs().size() != 1) {
      throw ScoringProblem.badRequest(
          "the request has "
              + request.inputs().size()
              + " inputs; model '"
              + m.name()
              + "' takes one, named '"
              + INPUT
              + "'");
    }
    V2Input input = request.inputs().get(0);
    if (!INPUT.equals(input.name())) {
      throw ScoringProblem.badRequest(
          "the request's input is named '"
              + input.name()
              + "'; model '"
              + m.name()
              + "' takes one input named '"
              + INPUT
              + "'");
    }
    List<ImageInput> images = images(m, input);
    boolean hasFeatures = m.model().outputNames().contains(BundleModel.FEATURES);
    List<String> methods = m.scorer().methods();
    List<String> known = new ArrayList<>(List.of(LOGITS));
    if (hasFeatures) {
      known.add(FEATURES);
    }
    known.add(PREDICTED_CLASS);
    known.addAll(methods);
    List<String> outputs = new ArrayList<>();
    for (V2Request.RequestedOutput o : request.outputs()) {
      if (!known.contains(o.name()) && !isDerivedMethod(m, o.name())) {
        throw ScoringProblem.badRequest(
            "unknown output '" + o.name() + "'; model '" + m.name() + "' has " + known);
      }
      outputs.add(o.name());
    }
    V2Parameters p = request.parameters();
    String methodsParameter = p.string("methods");
    List<String> asked;
    if (methodsParameter != null) {
      asked = List.of(methodsParameter);
    } else {
      // the methods named as outputs, so that only those are computed
      asked = outputs.stream().filter(o -> methods.contains(o) || isDerivedMethod(m, o)).toList();
    }
    boolean features = hasFeatures && (outputs.isEmpty() || outputs.contains(FEATURES));
    ScoreRequest scoreRequest =
        service.withOdin(
            service.request(
                asked, features ? List.of(LOGITS, FEATURES) : List.of(LOGITS), tpr(p), null),
            p.number("odin.eps"),
            p.number("odin.T"));
    for (String name : outputs) {
      if ((methods.contains(name) || isDerivedMethod(m, name))
          && !scoreRequest.methods().isEmpty()
          && !scoreRequest.methods().contains(name)) {
        throw ScoringProblem.badRequest(
            "output '"
                + name
                + "' was asked for but parameter 'methods' ("
                + methodsParameter
                + ") does not name it");
      }
    }
    if (outputs.isEmpty()) {
      outputs.add(LOGITS);
      if (features) {
        outputs.add(FEATURES);
      }
      outputs.add(PREDICTED_CLASS);
      // the canonical ids scored: combined and parameterised methods (mos+react, knn@k=5) too
      try {
        outputs.addAll(m.scorer().resolveMethods(scoreRequest));
      } catch (IllegalArgumentException e) {
        throw ScoringProblem.badRequest(e.getMessage());
      }
    }
    return new Plan(images, scoreRequest, outputs, version(m));
  }

  /**
   * Whether {@code name} is a combined or parameterised method id of the model in its canonical
   * spelling ({@code mos+react}, {@code knn@k=5}), which may name an output as registry ids do.
   */
  private static boolean isDerivedMethod(LoadedModel m, String name) {
    try {
      return m.scorer().methodScorer(name).id().equals(name);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Double tpr(V2Parameters p) {
    return p.number("tpr");
  }

  private static List<ImageInput> images(LoadedModel m, V2Input input) {
    long[] s = input.shape();
    int size = m.model().inputSize();
    List<ImageInput> images = new ArrayList<>();
    if (input.datatype() == V2Datatype.BYTES) {
      if (s.length == 0 || s.length > 2 || (s.length == 2 && s[1] != 1)) {
        throw ScoringProblem.badRequest(
            "input '"
                + input.name()
                + "' is BYTES of shape "
                + Arrays.toString(s)
                + "; encoded images are BYTES [N] or [N, 1], one image per element");
      }
      for (int i = 0; i < input.bytes().size(); i++) {
        images.add(new ImageInput.Encoded(input.bytes().get(i), "element " + i));
      }
      return images;
    }
    if (s.length != 4 || s[1] != 3 || s[2] != size || s[3] != size) {
      throw ScoringProblem.badRequest(
          "input '"
              + input.name()
              + "' has shape "
              + Arrays.toString(s)
              + "; model '"
              + m.name()
              + "' takes "
              + input.datatype()
              + " [N, 3, "
              + size
              + ", "
              + size
              + "] (preprocessed images: 3 channels, square "
              + size
              + " x "
              + size
              + ") or BYTES [N] (encoded images)");
    }
    float[] data = input.numbers();
    int per = 3 * size * size;
    for (int i = 0; i < s[0]; i++) {
      for (int k = i * per; k < (i + 1) * per; k++) {
        if (!Float.isFinite(data[k])) {
          throw ScoringProblem.badRequest(
              "input '" + input.name() + "' value " + k + " is " + data[k]);
        }
      }
      images.add(
          new ImageInput.Tensor(Arrays.copyOfRange(data, i * per, (i + 1) * per), "image " + i));
    }
    return images;
  }

  private static Map<String, V2Output> outputs(List<ImageResult> images) {
    Map<String, V2Output> out = new LinkedHashMap<>();
    int n = images.size();
    int cols = images.get(0).logits().length;
    float[] logits = new float[n * cols];
    long[] predicted = new long[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(images.get(i).logits(), 0, logits, i * cols, cols);
      predicted[i] = images.get(i).predictedClass();
    }
    out.put(LOGITS, new V2Output(LOGITS, V2Datatype.FP32, new long[] {n, cols}, logits));
    if (images.get(0).features() != null) {
      int d = images.get(0).features().length;
      float[] f = new float[n * d];
      for (int i = 0; i < n; i++) {
        System.arraycopy(images.get(i).features(), 0, f, i * d, d);
      }
      out.put(FEATURES, new V2Output(FEATURES, V2Datatype.FP32, new long[] {n, d}, f));
    }
    out.put(
        PREDICTED_CLASS,
        new V2Output(PREDICTED_CLASS, V2Datatype.INT64, new long[] {n}, predicted));
    for (String method : images.get(0).scores().keySet()) {
      double[] s = images.stream().mapToDouble(r -> r.scores().get(method)).toArray();
      out.put(method, new V2Output(method, V2Datatype.FP64, new long[] {n}, s));
    }
    return out;
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
