package org.mos.common.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mos.common.score.FloatMatrix;

/**
 * The gradient graphs of a {@link BundleModel}: their sessions, opened on first use with the
 * model's options and device, and their runs (the perturbation itself is the methods', see {@link
 * MethodScorer}).
 */
final class GradientSessions implements AutoCloseable {

  /**
   * The outputs whose cotangents the VJP graph may take besides the logits: BiT's spatial means,
   * and the penultimate features of imported classifiers (their only Mahalanobis layer).
   */
  static final List<String> LAYERS =
      List.of("stem", "block1", "block2", "block3", "block4", "features");

  private final OrtEnvironment env;
  private final InferenceOptions options;
  private final Device device;
  private final Path vjpGraph;
  private final Path odinGraph;
  private volatile OrtSession vjpSession;
  private volatile OrtSession odinSession;

  GradientSessions(
      OrtEnvironment env, InferenceOptions options, Device device, Path vjpGraph, Path odinGraph) {
    this.env = env;
    this.options = options;
    this.device = device;
    this.vjpGraph = vjpGraph;
    this.odinGraph = odinGraph;
  }

  boolean available() {
    return vjpGraph != null || odinGraph != null;
  }

  boolean has(String role) {
    return (GradientGraphs.ODIN.equals(role) ? odinGraph : vjpGraph) != null;
  }

  OrtSession session(String role) {
    OrtSession s = GradientGraphs.ODIN.equals(role) ? odinSession : vjpSession;
    if (s != null) {
      return s;
    }
    synchronized (this) {
      Path graph = GradientGraphs.ODIN.equals(role) ? odinGraph : vjpGraph;
      if (graph == null) {
        throw new IllegalStateException(
            "the bundle has no '"
                + role
                + "' gradient graph (re-export it with a trainer that writes "
                + GradientGraphs.STATISTICS_KEY
                + ")");
      }
      s = GradientGraphs.ODIN.equals(role) ? odinSession : vjpSession;
      if (s == null) {
        try (OrtSession.SessionOptions so = OrtSessions.options(options)) {
          if (device == Device.CUDA) {
            so.addCUDA(0);
          }
          s = env.createSession(graph.toString(), so);
        } catch (OrtException e) {
          throw new InferenceException("ONNX Runtime cannot load " + graph.getFileName(), e);
        }
        if (GradientGraphs.ODIN.equals(role)) {
          odinSession = s;
        } else {
          vjpSession = s;
        }
      }
      return s;
    }
  }

  /** Outputs to collect from a gradient graph's run besides the gradient. */
  private record Outputs(Set<String> names, Map<String, FloatMatrix> into) {}

  /**
   * The VJP graph's gradient for a cotangent of (count, logits) and cotangents of layer outputs
   * (count rows each) by output name.
   */
  float[] vjp(
      String inputName,
      FloatBuffer view,
      int count,
      int side,
      float[] cotangent,
      int logits,
      Map<String, float[]> layers) {
    OrtSession vjp = session(GradientGraphs.LOGITS);
    Map<String, OnnxTensor> feeds = new java.util.LinkedHashMap<>();
    try {
      feeds.put(inputName, inputTensor(env, view, count, side));
      feeds.put(
          GradientGraphs.COTANGENT,
          OnnxTensor.createTensor(env, FloatBuffer.wrap(cotangent), new long[] {count, logits}));
      for (String layer : layers.keySet()) {
        if (!LAYERS.contains(layer)
            || !vjp.getInputNames().contains(GradientGraphs.layerCotangent(layer))) {
          throw new IllegalArgumentException(
              "the VJP graph takes no cotangent for output '" + layer + "'");
        }
      }
      for (String layer : LAYERS) {
        String name = GradientGraphs.layerCotangent(layer);
        if (!vjp.getInputNames().contains(name)) {
          continue;
        }
        // every layer input must be fed: zeros of (1, width) broadcast when none is given
        long width =
            ((ai.onnxruntime.TensorInfo) vjp.getInputInfo().get(name).getInfo()).getShape()[1];
        float[] values = layers.getOrDefault(layer, new float[(int) width]);
        long rows = layers.containsKey(layer) ? count : 1;
        if (values.length != rows * width) {
          throw new IllegalArgumentException(
              "a cotangent of "
                  + values.length
                  + " values for '"
                  + layer
                  + "' does not fit "
                  + count
                  + " rows of "
                  + width);
        }
        feeds.put(
            name, OnnxTensor.createTensor(env, FloatBuffer.wrap(values), new long[] {rows, width}));
      }
      return gradient(vjp, feeds, count, null);
    } catch (OrtException e) {
      throw new InferenceException("ONNX Runtime failed on a batch of " + count, e);
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  /** The ODIN graph's gradient; the outputs {@code wanted} of the same pass go into {@code out}. */
  float[] odin(
      String inputName,
      FloatBuffer view,
      int count,
      int side,
      float[] temperatures,
      Set<String> wanted,
      Map<String, FloatMatrix> out)
      throws OrtException {
    try (OnnxTensor input = inputTensor(env, view, count, side);
        OnnxTensor t =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(temperatures), new long[] {count, 1})) {
      return gradient(
          session(GradientGraphs.ODIN),
          Map.of(inputName, input, GradientGraphs.TEMPERATURE, t),
          count,
          new Outputs(wanted, out));
    }
  }

  static OnnxTensor inputTensor(OrtEnvironment env, FloatBuffer view, int count, int side) {
    try {
      return OnnxTensor.createTensor(env, view, new long[] {count, 3, side, side});
    } catch (OrtException e) {
      throw new InferenceException("ONNX Runtime refused a batch of " + count, e);
    }
  }

  private static float[] gradient(
      OrtSession graph, Map<String, OnnxTensor> feeds, int count, Outputs also)
      throws OrtException {
    Set<String> names = new LinkedHashSet<>();
    if (also != null) {
      names.addAll(also.names());
    }
    names.add(GradientGraphs.INPUT_GRADIENT);
    try (OrtSession.Result result = graph.run(feeds, names)) {
      if (also != null) {
        for (String name : also.names()) {
          also.into()
              .put(
                  name,
                  OrtSessions.toMatrix(name, (OnnxTensor) result.get(name).orElseThrow(), count));
        }
      }
      FloatBuffer g =
          ((OnnxTensor) result.get(GradientGraphs.INPUT_GRADIENT).orElseThrow()).getFloatBuffer();
      float[] values = new float[g.remaining()];
      g.get(values);
      for (int i = 0; i < values.length; i++) {
        if (!Float.isFinite(values[i])) {
          throw new InferenceException("the input gradient has " + values[i] + " at " + i, null);
        }
      }
      return values;
    }
  }

  @Override
  public void close() throws OrtException {
    if (vjpSession != null) {
      vjpSession.close();
    }
    if (odinSession != null) {
      odinSession.close();
    }
  }
}
