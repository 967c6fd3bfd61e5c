package org.mos.common.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImagePreprocessor;
import org.mos.common.image.PreprocessSpec;
import org.mos.common.image.RgbImage;
import org.mos.common.score.FloatMatrix;

/**
 * The ONNX graph of a model bundle, opened once in ONNX Runtime and shared: one session per model
 * (ONNX Runtime sessions may run concurrently from many threads), on the CPU or through the CUDA
 * execution provider. Inputs come from reusable direct buffers ({@link InputBatch}); each run asks
 * the session only for the outputs the caller needs. Close it to free the native session.
 *
 * <p>When the bundle carries gradient graphs ({@link GradientGraphs}), {@link #inputGradient} and
 * {@link #odinGradient} work too (the input perturbation of ODIN and Mahalanobis, which their
 * {@link MethodScorer}s run); their sessions open on first use, so the bundle must stay open until
 * then.
 */
public final class BundleModel implements AutoCloseable {

  /** The output every bundle has: one row of logits per image. */
  public static final String LOGITS = "logits";

  /** The penultimate features (spatially averaged), when the bundle exports them. */
  public static final String FEATURES = "features";

  private final BundleManifest manifest;
  private final String checksum;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;
  private final Set<String> outputNames;
  private final Device device;
  private final PreprocessSpec spec;
  private final ImagePreprocessor preprocessor;
  private final GradientSessions gradients;

  private BundleModel(
      BundleManifest manifest,
      String checksum,
      OrtEnvironment env,
      OrtSession session,
      Device device,
      InferenceOptions options,
      Path vjpGraph,
      Path odinGraph)
      throws OrtException {
    this.gradients = new GradientSessions(env, options, device, vjpGraph, odinGraph);
    this.manifest = manifest;
    this.checksum = checksum;
    this.env = env;
    this.session = session;
    this.device = device;
    this.inputName = session.getInputNames().iterator().next();
    this.outputNames = Set.copyOf(session.getOutputNames());
    this.spec = preprocessSpec(manifest);
    this.preprocessor = new ImagePreprocessor(spec);
  }

  /**
   * Opens the graph of an opened (verified) bundle and checks it against the manifest: one float
   * input of shape (N, 3, size, size), and every output the manifest lists, {@code logits} among
   * them.
   *
   * @throws BundleException when the graph and the manifest disagree or ONNX Runtime refuses it
   */
  public static BundleModel open(ModelBundle bundle, InferenceOptions options)
      throws BundleException {
    BundleManifest manifest = bundle.manifest();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session = null;
    try (OrtSession.SessionOptions so = OrtSessions.options(options)) {
      Device used = OrtSessions.chooseDevice(options, so);
      session = env.createSession(bundle.model().toString(), so);
      OrtSessions.checkGraph(bundle, manifest, session);
      return new BundleModel(
          manifest,
          bundle.checksum(),
          env,
          session,
          used,
          options,
          GradientGraphs.graph(bundle, GradientGraphs.LOGITS).orElse(null),
          GradientGraphs.graph(bundle, GradientGraphs.ODIN).orElse(null));
    } catch (OrtException e) {
      OrtSessions.closeQuietly(session);
      throw new BundleException(
          bundle.source() + ": ONNX Runtime cannot load model.onnx (" + e.getMessage() + ")");
    } catch (RuntimeException e) {
      OrtSessions.closeQuietly(session);
      throw e;
    }
  }

  /** The bundle's manifest. */
  public BundleManifest manifest() {
    return manifest;
  }

  /** The bundle's checksum (see {@link ModelBundle#checksum()}). */
  public String checksum() {
    return checksum;
  }

  /** The device the session actually runs on. */
  public Device device() {
    return device;
  }

  /** The preprocessing of this model: {@link #preprocessSpec(BundleManifest)} of its manifest. */
  public PreprocessSpec preprocessSpec() {
    return spec;
  }

  /**
   * The test preprocessing a manifest describes: its mean and std, and either the default square
   * bilinear resize to {@code input_size} or, when {@code preprocessing.resize_shorter_side} is
   * set, torchvision's shorter-side resize then a centre crop to {@code input_size}, with {@code
   * preprocessing.interpolation}.
   */
  public static PreprocessSpec preprocessSpec(BundleManifest manifest) {
    PreprocessSpec.Builder b =
        PreprocessSpec.builder()
            .setResize(manifest.inputSize())
            .optNormalization(floats(manifest.mean()), floats(manifest.std()));
    BundleManifest.Preprocessing p = manifest.preprocessing();
    if (p != null) {
      if (p.resizeShorterSide() != null) {
        b.setResizeShorterSide(p.resizeShorterSide()).optCrop(manifest.inputSize());
      }
      b.optInterpolation(p.filter());
    }
    return b.build();
  }

  /** The input side in pixels. */
  public int inputSize() {
    return manifest.inputSize();
  }

  /** The graph's output names. */
  public Set<String> outputNames() {
    return outputNames;
  }

  /**
   * The model's test preprocessing of one image into a new CHW array, for callers that preprocess
   * on their own threads and hand the tensors to a batching thread ({@link InputBatch#put(int,
   * float[])}). Thread-safe.
   */
  public float[] preprocess(RgbImage image) {
    float[] chw = new float[InputBatch.floatsPerImage(manifest.inputSize())];
    preprocessor.preprocess(image, FloatBuffer.wrap(chw), 0, null);
    return chw;
  }

  /** A new reusable input buffer for up to {@code capacity} images. */
  public InputBatch newInputBatch(int capacity) {
    return new InputBatch(capacity, manifest.inputSize(), preprocessor);
  }

  /**
   * Runs the first {@code count} images of {@code batch} and returns the requested outputs, each
   * one row per image. Outputs of rank above 2 (N, C, H, W) are averaged over their spatial axes.
   * Safe to call from several threads at once with different batches.
   *
   * @throws IllegalArgumentException naming an output the graph does not have
   * @throws InferenceException when ONNX Runtime fails or the model emits a non-finite value
   */
  public Map<String, FloatMatrix> run(InputBatch batch, int count, Collection<String> outputs) {
    Set<String> wanted = new LinkedHashSet<>(outputs);
    checkOutputs(wanted);
    checkBatch(batch);
    try (OnnxTensor input = inputTensor(batch.view(count), count, batch.side())) {
      return runSession(session, Map.of(inputName, input), wanted, count);
    }
  }

  /** Whether the bundle carries a gradient graph, so that inputs can be perturbed. */
  public boolean supportsInputPerturbation() {
    return gradients.available();
  }

  /**
   * The gradient of {@code sum(cotangent * logits)} with respect to the input of the first {@code
   * count} images (the vector-Jacobian product J^T v), (count, 3, side, side) in C order.
   *
   * @param cotangent count rows of as many values as the model has logits
   * @throws IllegalStateException when the bundle has no {@code vjp_logits} graph
   */
  public float[] inputGradient(InputBatch batch, int count, float[] cotangent) {
    return inputGradient(batch, count, Map.of(LOGITS, cotangent));
  }

  /**
   * The gradient with respect to the input of {@code sum over outputs o of sum(cotangents[o] * o)},
   * for {@code logits} and the spatially averaged layer outputs ({@code stem}, {@code block1} ..
   * {@code block4}) or, on imported classifiers, {@code features}; an output not named contributes
   * nothing. One row of cotangent per image.
   *
   * @throws IllegalArgumentException naming an output the VJP graph takes no cotangent for, or a
   *     cotangent whose length is not a multiple of count
   * @throws IllegalStateException when the bundle has no {@code vjp_logits} graph
   */
  public float[] inputGradient(InputBatch batch, int count, Map<String, float[]> cotangents) {
    checkBatch(batch);
    int logits = manifest.logitCount();
    float[] v = cotangents.getOrDefault(LOGITS, new float[count * logits]);
    for (Map.Entry<String, float[]> e : cotangents.entrySet()) {
      int length = e.getKey().equals(LOGITS) ? count * logits : e.getValue().length;
      if (e.getValue().length != length || length % count != 0 || length == 0) {
        throw new IllegalArgumentException(
            "a cotangent of "
                + e.getValue().length
                + " values for '"
                + e.getKey()
                + "' does not fit "
                + count
                + " rows"
                + (e.getKey().equals(LOGITS) ? " of " + logits + " logits" : ""));
      }
    }
    Map<String, float[]> layers = new LinkedHashMap<>(cotangents);
    layers.remove(LOGITS);
    return gradients.vjp(inputName, batch.view(count), count, batch.side(), v, logits, layers);
  }

  /** Whether the bundle carries the ODIN gradient graph ({@code odin_gradient.onnx}). */
  public boolean hasOdinGradientGraph() {
    return gradients.has(GradientGraphs.ODIN);
  }

  /**
   * The outputs and the input gradient of one run of a gradient graph.
   *
   * @param outputs the graph outputs asked for, one row per image
   * @param gradient (count, 3, side, side) in C order
   */
  public record GradientRun(Map<String, FloatMatrix> outputs, float[] gradient) {}

  /**
   * Runs the ODIN gradient graph on the first {@code count} images: the {@code outputs} of the
   * plain input and the gradient of the cross-entropy of logits / T against the predicted class, T
   * being each image's temperature (see {@link GradientGraphs#ODIN}).
   *
   * @throws IllegalStateException when the bundle has no ODIN gradient graph
   * @throws IllegalArgumentException naming an output the graph does not have
   */
  public GradientRun odinGradient(
      InputBatch batch, int count, float[] temperatures, Collection<String> outputs) {
    if (temperatures.length != count) {
      throw new IllegalArgumentException(
          temperatures.length + " temperatures for a batch of " + count + " images");
    }
    Set<String> wanted = new LinkedHashSet<>(outputs);
    checkOutputs(wanted);
    checkBatch(batch);
    Map<String, FloatMatrix> out = new LinkedHashMap<>();
    try {
      float[] gradient =
          gradients.odin(
              inputName, batch.view(count), count, batch.side(), temperatures, wanted, out);
      return new GradientRun(out, gradient);
    } catch (OrtException e) {
      throw new InferenceException("ONNX Runtime failed on a batch of " + count, e);
    }
  }

  private OnnxTensor inputTensor(FloatBuffer view, int count, int side) {
    return GradientSessions.inputTensor(env, view, count, side);
  }

  private void checkOutputs(Set<String> wanted) {
    for (String name : wanted) {
      if (!outputNames.contains(name)) {
        throw new IllegalArgumentException(
            "the model has no output '" + name + "'; it has " + outputNames);
      }
    }
  }

  private void checkBatch(InputBatch batch) {
    if (batch.side() != manifest.inputSize()) {
      throw new IllegalArgumentException(
          "the batch holds " + batch.side() + "px images but the model takes " + inputSize());
    }
  }

  private static Map<String, FloatMatrix> runSession(
      OrtSession s, Map<String, OnnxTensor> feeds, Set<String> wanted, int count) {
    try (OrtSession.Result result = s.run(feeds, wanted)) {
      Map<String, FloatMatrix> out = new LinkedHashMap<>();
      for (String name : wanted) {
        OnnxValue value = result.get(name).orElseThrow();
        out.put(name, OrtSessions.toMatrix(name, (OnnxTensor) value, count));
      }
      return out;
    } catch (OrtException e) {
      throw new InferenceException("ONNX Runtime failed on a batch of " + count, e);
    }
  }

  /** Runs one batch of zeros through the graph so that the first request is not the slow one. */
  public void warmUp() {
    warmUp(1);
  }

  /**
   * Runs one image of zeros, then (if {@code largestBatch > 1}) one batch of {@code largestBatch},
   * asking for every output: ONNX Runtime's memory arena then grows to what the largest batch needs
   * at start, instead of step by step while serving, the first time a larger batch comes.
   */
  public void warmUp(int largestBatch) {
    run(newInputBatch(1), 1, List.of(LOGITS));
    if (largestBatch > 1) {
      run(newInputBatch(largestBatch), largestBatch, outputNames);
    }
  }

  private static float[] floats(List<Double> values) {
    if (values.size() != 3) {
      throw new IllegalArgumentException(
          "expected 3 per-channel values but the manifest has " + values);
    }
    float[] f = new float[3];
    for (int i = 0; i < 3; i++) {
      f[i] = values.get(i).floatValue();
    }
    return f;
  }

  /** Closes the sessions; the shared environment stays for other models. */
  @Override
  public void close() {
    try {
      session.close();
      gradients.close();
    } catch (OrtException e) {
      throw new InferenceException("closing the ONNX Runtime session failed", e);
    }
  }
}
