package org.mos.common.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImagePreprocessor;
import org.mos.common.image.PreprocessSpec;
import org.mos.common.image.RgbImage;
import org.mos.common.score.Batch;
import org.mos.common.score.OdinPerturbation;

/**
 * The ONNX graph of a model bundle, opened once in ONNX Runtime and shared: one session per model
 * (ONNX Runtime sessions may run concurrently from many threads), on the CPU or through the CUDA
 * execution provider. Inputs come from reusable direct buffers ({@link InputBatch}); each run asks
 * the session only for the outputs the caller needs. Close it to free the native session.
 *
 * <p>When the bundle carries gradient graphs ({@link GradientGraphs}), {@link #inputGradient} and
 * {@link #runPerturbed} (ODIN's input perturbation) work too; their sessions open on first use, so
 * the bundle must stay open until then.
 */
public final class BundleModel implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(BundleModel.class.getName());

  /** The output every bundle has: one row of logits per image. */
  public static final String LOGITS = "logits";

  /** The penultimate features (spatially averaged), when the bundle exports them. */
  public static final String FEATURES = "features";

  /** The logits of ODIN's perturbed input, added by {@link #runPerturbed}. */
  public static final String ODIN_LOGITS = "odin_logits";

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
    this.spec =
        PreprocessSpec.builder()
            .setResize(manifest.inputSize())
            .optNormalization(floats(manifest.mean()), floats(manifest.std()))
            .build();
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
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(options.intraOpThreads());
      so.setCPUArenaAllocator(options.cpuArena());
      so.setMemoryPatternOptimization(options.memoryPattern());
      so.addConfigEntry(InferenceOptions.SPINNING_KEY, options.spinning() ? "1" : "0");
      Device used = chooseDevice(options, so);
      session = env.createSession(bundle.model().toString(), so);
      checkGraph(bundle, manifest, session);
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
      closeQuietly(session);
      throw new BundleException(
          bundle.source() + ": ONNX Runtime cannot load model.onnx (" + e.getMessage() + ")");
    } catch (RuntimeException e) {
      closeQuietly(session);
      throw e;
    }
  }

  private static Device chooseDevice(InferenceOptions options, OrtSession.SessionOptions so)
      throws OrtException, BundleException {
    if (options.device() == Device.CPU) {
      return Device.CPU;
    }
    String why;
    if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      try {
        so.addCUDA(0);
        return Device.CUDA;
      } catch (OrtException e) {
        why = "the CUDA execution provider failed to start (" + e.getMessage() + ")";
      }
    } else {
      why =
          "this ONNX Runtime has no CUDA execution provider (build with the onnxruntime_gpu"
              + " artifact)";
    }
    if (options.strictDevice()) {
      throw new BundleException("device cuda was asked for strictly but " + why);
    }
    LOG.warning("device cuda was asked for but " + why + "; running on the CPU");
    return Device.CPU;
  }

  private static void checkGraph(ModelBundle bundle, BundleManifest m, OrtSession session)
      throws OrtException, BundleException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    if (inputs.size() != 1) {
      throw new BundleException(
          bundle.source() + ": model.onnx has inputs " + inputs.keySet() + ", expected exactly 1");
    }
    NodeInfo in = inputs.values().iterator().next();
    if (!(in.getInfo() instanceof TensorInfo t) || t.getShape().length != 4) {
      throw new BundleException(
          bundle.source() + ": the input of model.onnx is " + in.getInfo() + ", expected N,3,H,W");
    }
    long[] shape = t.getShape();
    int size = m.inputSize();
    if ((shape[1] > 0 && shape[1] != 3)
        || (shape[2] > 0 && shape[2] != size)
        || (shape[3] > 0 && shape[3] != size)) {
      throw new BundleException(
          bundle.source()
              + ": model.onnx takes input of shape "
              + Arrays.toString(shape)
              + " but the manifest says input_size "
              + size
              + " (expected [N, 3, "
              + size
              + ", "
              + size
              + "])");
    }
    Set<String> present = session.getOutputNames();
    for (String name : m.outputs()) {
      if (!present.contains(name)) {
        throw new BundleException(
            bundle.source()
                + ": the manifest lists output '"
                + name
                + "' but model.onnx has only "
                + present);
      }
    }
    if (!present.contains(LOGITS)) {
      throw new BundleException(bundle.source() + ": model.onnx has no output 'logits'");
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

  /** The preprocessing of this model: test preprocessing at the bundle's size, mean and std. */
  public PreprocessSpec preprocessSpec() {
    return spec;
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
  public Map<String, Batch> run(InputBatch batch, int count, Collection<String> outputs) {
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
   * {@code block4}); an output not named contributes nothing. One row of cotangent per image.
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

  /**
   * As {@link #run}, plus ODIN's input perturbation: {@link #ODIN_LOGITS} holds, per image, the
   * logits of {@code x' = x - epsilon * sign(gradient)} with that image's settings (see {@link
   * OdinPerturbation}); the other outputs are those of the unperturbed input. Uses the bundle's
   * ODIN gradient graph (one pass for outputs and gradient) when it has one, else a forward, the
   * cotangent here and the VJP graph; then one forward of the perturbed batch.
   *
   * @param perImage the settings of each of the {@code count} images
   * @throws IllegalStateException when the bundle has no gradient graph
   */
  public Map<String, Batch> runPerturbed(
      InputBatch batch, int count, Collection<String> outputs, List<OdinPerturbation> perImage) {
    if (perImage.size() != count) {
      throw new IllegalArgumentException(
          perImage.size() + " ODIN settings for a batch of " + count + " images");
    }
    Set<String> wanted = new LinkedHashSet<>(outputs);
    wanted.add(LOGITS);
    checkOutputs(wanted);
    checkBatch(batch);
    FloatBuffer view = batch.view(count);
    Map<String, Batch> out;
    float[] gradient;
    try {
      if (gradients.has(GradientGraphs.ODIN)) {
        out = new LinkedHashMap<>();
        gradient = gradients.odin(inputName, view, count, batch.side(), perImage, wanted, out);
      } else {
        out = run(batch, count, wanted);
        Batch logits = out.get(LOGITS);
        float[] cotangent = new float[count * logits.cols()];
        for (int r = 0; r < count; r++) {
          float[] v = perImage.get(r).cotangent(logits.row(r));
          System.arraycopy(v, 0, cotangent, r * v.length, v.length);
        }
        gradient = inputGradient(batch, count, cotangent);
      }
      FloatBuffer perturbed = GradientSessions.perturb(view, gradient, count, perImage);
      try (OnnxTensor input = inputTensor(perturbed, count, batch.side())) {
        Batch odin =
            runSession(session, Map.of(inputName, input), Set.of(LOGITS), count).get(LOGITS);
        out.put(ODIN_LOGITS, odin);
      }
      return out;
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

  private static Map<String, Batch> runSession(
      OrtSession s, Map<String, OnnxTensor> feeds, Set<String> wanted, int count) {
    try (OrtSession.Result result = s.run(feeds, wanted)) {
      Map<String, Batch> out = new LinkedHashMap<>();
      for (String name : wanted) {
        OnnxValue value = result.get(name).orElseThrow();
        out.put(name, toBatch(name, (OnnxTensor) value, count));
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

  static Batch toBatch(String name, OnnxTensor tensor, int count) {
    long[] shape = tensor.getInfo().getShape();
    if (shape.length < 2 || shape[0] != count) {
      throw new InferenceException(
          "output '" + name + "' has shape " + Arrays.toString(shape) + " for " + count + " inputs",
          null);
    }
    FloatBuffer values = tensor.getFloatBuffer();
    int cols = (int) shape[1];
    int spatial = 1;
    for (int i = 2; i < shape.length; i++) {
      spatial *= (int) shape[i];
    }
    float[] rows = new float[count * cols];
    if (spatial == 1) {
      values.get(rows);
    } else {
      // (N, C, H, W) side outputs are averaged over space, as the paper's Mahalanobis layers are.
      for (int r = 0; r < count * cols; r++) {
        double sum = 0;
        for (int s = 0; s < spatial; s++) {
          sum += values.get(r * spatial + s);
        }
        rows[r] = (float) (sum / spatial);
      }
    }
    try {
      return Batch.wrap(rows, count, cols);
    } catch (IllegalArgumentException e) {
      throw new InferenceException("output '" + name + "': " + e.getMessage(), null);
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

  private static void closeQuietly(OrtSession session) {
    if (session != null) {
      try {
        session.close();
      } catch (OrtException ignored) {
        // the session is being discarded after a failure that is reported instead
      }
    }
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
