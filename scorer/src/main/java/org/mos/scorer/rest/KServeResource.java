package org.mos.scorer.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.service.ImageInput;
import org.mos.scorer.service.LoadedModel;
import org.mos.scorer.service.ModelRegistry;
import org.mos.scorer.service.ScoringProblem;
import org.mos.scorer.service.ScoringService;

/**
 * The KServe / Open Inference Protocol v2 endpoints: server and model metadata, readiness, and
 * {@code infer} with one FP32 input tensor of shape [N, 3, size, size] (already preprocessed).
 * Outputs: {@code logits} (FP32 [N, L]), {@code features} when asked, {@code predicted_class}
 * (INT64 [N]) and one FP64 [N] tensor per score method.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class KServeResource {

  // NaN and Infinity are read so that they can be refused with 422 rather than a parse error
  private static final JsonMapper LENIENT =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private final ModelRegistry registry;
  private final ScoringService service;
  private final boolean serverTiming;

  public KServeResource(ModelRegistry registry, ScoringService service, ScorerConfig config) {
    this.registry = registry;
    this.service = service;
    this.serverTiming = config.serverTiming();
  }

  @GET
  @Operation(summary = "Server metadata (v2)")
  public Map<String, Object> server() {
    return Map.of("name", "mos-scorer", "version", "0.1.0", "extensions", List.of());
  }

  @GET
  @Path("health/live")
  public Map<String, Object> live() {
    return Map.of("live", true);
  }

  @GET
  @Path("health/ready")
  public Response ready() {
    boolean ready = registry.ready();
    return Response.status(ready ? 200 : 503).entity(Map.of("ready", ready)).build();
  }

  @GET
  @Path("models/{model}")
  @Operation(summary = "Model metadata (v2)")
  public Map<String, Object> metadata(@RestPath String model) {
    LoadedModel m = registry.acquire(model);
    try {
      int size = m.model().inputSize();
      List<Object> outputs = new ArrayList<>();
      outputs.add(tensorMeta("logits", "FP32", -1, m.model().manifest().logitCount()));
      if (m.model().outputNames().contains("features")) {
        outputs.add(tensorMeta("features", "FP32", -1, -1));
      }
      outputs.add(tensorMeta("predicted_class", "INT64", -1));
      for (String method : m.scorer().methods()) {
        outputs.add(tensorMeta(method, "FP64", -1));
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", m.name());
      body.put("versions", List.of(m.model().checksum().substring(0, 12)));
      body.put("platform", "onnxruntime_onnx");
      body.put("inputs", List.of(tensorMeta("input", "FP32", -1, 3, size, size)));
      body.put("outputs", outputs);
      return body;
    } finally {
      m.release();
    }
  }

  @GET
  @Path("models/{model}/ready")
  public Map<String, Object> modelReady(@RestPath String model) {
    LoadedModel m = registry.acquire(model);
    m.release();
    return Map.of("name", model, "ready", true);
  }

  @POST
  @Path("models/{model}/infer")
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(summary = "Runs preprocessed FP32 tensors [N, 3, size, size] (v2 infer)")
  public RestResponse<Map<String, Object>> infer(@RestPath String model, String body) {
    JsonNode root;
    try {
      root = LENIENT.readTree(body);
    } catch (JsonProcessingException e) {
      throw ScoringProblem.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
    }
    JsonNode inputs = root == null ? null : root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
      throw ScoringProblem.badTensor("expected \"inputs\" with exactly one tensor");
    }
    JsonNode input = inputs.get(0);
    String datatype = input.path("datatype").asText();
    if (!"FP32".equals(datatype)) {
      throw ScoringProblem.badTensor("datatype is '" + datatype + "'; expected FP32");
    }
    int[] shape = shape(input.get("shape"));
    float[] data = data(input.get("data"), shape);
    List<ImageInput> images = new ArrayList<>();
    int per = shape[1] * shape[2] * shape[3];
    for (int i = 0; i < shape[0]; i++) {
      float[] chw = new float[per];
      System.arraycopy(data, i * per, chw, 0, per);
      images.add(new ImageInput.Tensor(chw, "tensor " + i));
    }
    List<String> wanted = new ArrayList<>();
    root.path("outputs").forEach(o -> wanted.add(o.path("name").asText()));
    JsonNode params = root.path("parameters");
    List<String> methods =
        params.has("methods") ? List.of(params.get("methods").asText()) : List.of();
    Double tpr = params.has("tpr") ? params.get("tpr").asDouble() : null;
    boolean features = wanted.contains("features");
    ScoreRequest request =
        service.request(
            methods, features ? List.of("logits", "features") : List.of("logits"), tpr, null);
    ScoringService.Timed timed = service.scoreTimed(model, images, request, "v2");
    return ScoreResource.withTiming(
        response(model, root.path("id").asText(null), timed.scored(), wanted),
        timed.timing(),
        serverTiming);
  }

  private static int[] shape(JsonNode node) {
    if (node == null || !node.isArray() || node.size() != 4) {
      throw ScoringProblem.badTensor("shape is " + node + "; expected [N, 3, size, size]");
    }
    int[] s = new int[4];
    for (int i = 0; i < 4; i++) {
      if (!node.get(i).canConvertToInt() || node.get(i).asInt() < 1) {
        throw ScoringProblem.badTensor("shape is " + node + "; expected positive integers");
      }
      s[i] = node.get(i).asInt();
    }
    if (s[1] != 3 || s[2] != s[3]) {
      throw ScoringProblem.badTensor(
          "shape is " + node + "; expected [N, 3, size, size] (3 channels, square)");
    }
    return s;
  }

  private static float[] data(JsonNode node, int[] shape) {
    long n = (long) shape[0] * shape[1] * shape[2] * shape[3];
    if (n > 200_000_000L) {
      throw ScoringProblem.tooLarge("the tensor has " + n + " values");
    }
    float[] out = new float[(int) n];
    int[] at = {0};
    flatten(node, out, at);
    if (at[0] != n) {
      throw ScoringProblem.badTensor(
          "data has "
              + at[0]
              + " values but shape "
              + java.util.Arrays.toString(shape)
              + " needs "
              + n);
    }
    return out;
  }

  private static void flatten(JsonNode node, float[] out, int[] at) {
    if (node == null || node.isNull()) {
      throw ScoringProblem.badTensor("data is missing or null");
    }
    if (node.isArray()) {
      for (JsonNode child : node) {
        flatten(child, out, at);
      }
      return;
    }
    if (!node.isNumber()) {
      throw ScoringProblem.badTensor("data value " + at[0] + " is " + node + ", not a number");
    }
    double v = node.asDouble();
    if (!Double.isFinite(v)) {
      throw ScoringProblem.badTensor("data value " + at[0] + " is " + v);
    }
    if (at[0] >= out.length) {
      throw ScoringProblem.badTensor(
          "data has more values than the shape allows (" + out.length + ")");
    }
    out[at[0]++] = (float) v;
  }

  private static Map<String, Object> response(
      String model, String id, ScoredBatch scored, List<String> wanted) {
    List<ImageResult> images = scored.images();
    int n = images.size();
    List<Map<String, Object>> outputs = new ArrayList<>();
    int cols = images.get(0).logits().length;
    float[] logits = new float[n * cols];
    long[] predicted = new long[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(images.get(i).logits(), 0, logits, i * cols, cols);
      predicted[i] = images.get(i).predictedClass();
    }
    add(outputs, wanted, "logits", "FP32", List.of(n, cols), logits);
    if (images.get(0).features() != null) {
      int d = images.get(0).features().length;
      float[] f = new float[n * d];
      for (int i = 0; i < n; i++) {
        System.arraycopy(images.get(i).features(), 0, f, i * d, d);
      }
      add(outputs, wanted, "features", "FP32", List.of(n, d), f);
    }
    add(outputs, wanted, "predicted_class", "INT64", List.of(n), predicted);
    for (String method : images.get(0).scores().keySet()) {
      double[] s = images.stream().mapToDouble(r -> r.scores().get(method)).toArray();
      add(outputs, wanted, method, "FP64", List.of(n), s);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model_name", model);
    if (id != null) {
      body.put("id", id);
    }
    body.put("outputs", outputs);
    return body;
  }

  private static void add(
      List<Map<String, Object>> outputs,
      List<String> wanted,
      String name,
      String datatype,
      List<Integer> shape,
      Object data) {
    if (!wanted.isEmpty() && !wanted.contains(name)) {
      return;
    }
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", name);
    t.put("datatype", datatype);
    t.put("shape", shape);
    t.put("data", data);
    outputs.add(t);
  }

  private static Map<String, Object> tensorMeta(String name, String datatype, int... shape) {
    return Map.of(
        "name",
        name,
        "datatype",
        datatype,
        "shape",
        java.util.Arrays.stream(shape).boxed().toList());
  }
}
