package org.mos.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.FormulaWeights;

/**
 * The vector-Jacobian graphs against DJL's autograd on the same weights (PyTorch engine), against
 * central finite differences of the forward graph, and the in-graph ODIN cotangent against the same
 * cotangent computed here from the logits.
 */
class VjpExporterTest {

  private static final int[] SMALL = {2, 1, 1, 2};
  private static final int[] TINY = {1, 1, 1, 1};

  @TempDir Path dir;

  @Test
  void inputGradientMatchesDjlAutogradAtEvenAndOddSizes() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = formulaModel(manager, SMALL, 32, 7);
      WeightMap weights = WeightMap.of(model);
      byte[] vjp = VjpExporter.vjpLogits(ResNetV2Spec.inferFrom(weights), weights).toByteArray();
      try (Runner ort = new Runner(vjp)) {
        for (int[] bs : new int[][] {{2, 40}, {1, 37}}) {
          int batch = bs[0];
          int size = bs[1];
          Shape shape = new Shape(batch, 3, size, size);
          float[] input = FormulaWeights.values("input", (int) shape.size());
          float[] cotangent = FormulaWeights.values("input", batch * 7);
          float[] want = djlGradient(manager, model, input, shape, cotangent);
          Map<String, float[]> got =
              ort.run(input, batch, size, VjpExporter.COTANGENT, cotangent, new long[] {batch, 7});
          assertRelativelyClose(
              "input_gradient " + batch + "x" + size,
              got.get(VjpExporter.INPUT_GRADIENT),
              want,
              1e-4);
        }
      }
    }
  }

  @Test
  void cotangentsOfTheLayerMeansAddTheirGradientsAsDjlAutogradDoes() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = formulaModel(manager, SMALL, 32, 7);
      WeightMap weights = WeightMap.of(model);
      ResNetV2Spec spec = ResNetV2Spec.inferFrom(weights);
      byte[] vjp = VjpExporter.vjpLogits(spec, weights).toByteArray();
      int batch = 2;
      int size = 40;
      Shape shape = new Shape(batch, 3, size, size);
      float[] input = FormulaWeights.values("input", (int) shape.size());
      int[] widths = spec.layerWidths();
      Map<Integer, float[]> layers = new LinkedHashMap<>();
      Map<String, OnnxTensor> extra = new LinkedHashMap<>();
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      float[] cotangent = FormulaWeights.values("input", batch * 7);
      extra.put(
          VjpExporter.COTANGENT,
          OnnxTensor.createTensor(env, FloatBuffer.wrap(cotangent), new long[] {batch, 7}));
      for (int layer = 0; layer < widths.length; layer++) {
        // stem, block2 and block4 get cotangents; block1 and block3 zeros of (1, width)
        boolean fed = layer % 2 == 0;
        float[] c =
            fed
                ? FormulaWeights.values("layer" + layer, batch * widths[layer])
                : new float[widths[layer]];
        if (fed) {
          layers.put(layer, c);
        }
        String name =
            org.mos.common.inference.GradientGraphs.layerCotangent(
                OnnxExporter.OUTPUTS.get(2 + layer));
        extra.put(
            name,
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(c), new long[] {fed ? batch : 1, widths[layer]}));
      }
      float[] want;
      try (NDManager scope = manager.newSubManager();
          GradientCollector collector = manager.getEngine().newGradientCollector()) {
        NDArray x = scope.create(input, shape);
        x.setRequiresGradient(true);
        NDList out = model.forward(new ParameterStore(scope, false), new NDList(x), false);
        NDArray logits = out.get(ResNetV2.OUTPUT_LOGITS);
        NDArray loss = logits.mul(scope.create(cotangent, logits.getShape())).sum();
        for (Map.Entry<Integer, float[]> e : layers.entrySet()) {
          NDArray mean = out.get(ResNetV2.OUTPUT_STEM + e.getKey());
          loss = loss.add(mean.mul(scope.create(e.getValue(), mean.getShape())).sum());
        }
        collector.backward(loss);
        want = x.getGradient().toFloatArray();
      }
      try (Runner ort = new Runner(vjp)) {
        float[] got = ort.run(input, batch, size, extra).get(VjpExporter.INPUT_GRADIENT);
        assertRelativelyClose("input_gradient with layer cotangents", got, want, 1e-4);
      } finally {
        extra.values().forEach(OnnxTensor::close);
      }
    }
  }

  @Test
  void inputGradientMatchesCentralFiniteDifferencesOfTheForwardGraph() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = formulaModel(manager, TINY, 32, 5);
      WeightMap weights = WeightMap.of(model);
      ResNetV2Spec spec = ResNetV2Spec.inferFrom(weights);
      byte[] vjp = VjpExporter.vjpLogits(spec, weights).toByteArray();
      byte[] forward = OnnxExporter.export(spec, weights).toByteArray();
      int size = 64;
      int n = 3 * size * size;
      float[] x = FormulaWeights.values("input", n);
      float[] cotangent = {0.3f, -1.2f, 0.5f, 2.0f, -0.7f};
      try (Runner back = new Runner(vjp);
          Runner fwd = new Runner(forward)) {
        float[] gradient =
            back.run(x, 1, size, VjpExporter.COTANGENT, cotangent, new long[] {1, 5})
                .get(VjpExporter.INPUT_GRADIENT);
        double scale = 0;
        for (float g : gradient) {
          scale = Math.max(scale, Math.abs(g));
        }
        // the largest entries and a few fixed ones (corners of the three channels included);
        // float32 forwards of this ill-conditioned formula network are noisy at 1e-3 steps,
        // hence a loose bound, still far below what a mis-routed or missing term gives
        Integer[] order = new Integer[n];
        java.util.Arrays.setAll(order, k -> k);
        java.util.Arrays.sort(
            order, (p, q) -> Float.compare(Math.abs(gradient[q]), Math.abs(gradient[p])));
        int[] checked = {order[0], order[1], order[2], order[3], 0, 4096 + 4095, 8192 + 64, 777};
        double h = 1e-3;
        for (int i : checked) {
          float[] up = x.clone();
          float[] down = x.clone();
          up[i] += (float) h;
          down[i] -= (float) h;
          double numeric =
              (dot(cotangent, logits(fwd, up, size)) - dot(cotangent, logits(fwd, down, size)))
                  / ((double) up[i] - down[i]);
          System.out.printf("input[%d]: analytic %.6g, numeric %.6g%n", i, gradient[i], numeric);
          assertThat(Math.abs(gradient[i] - numeric))
              .as("input[%d]: analytic %s, numeric %s", i, gradient[i], numeric)
              .isLessThanOrEqualTo(0.01 * scale);
        }
      }
    }
  }

  @Test
  void everyInitializerOfTheExportedGraphsIsUsed() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      WeightMap weights = WeightMap.of(formulaModel(manager, TINY, 32, 5));
      ResNetV2Spec spec = ResNetV2Spec.inferFrom(weights);
      // ONNX Runtime warns about each unused initializer on every load, in users' logs
      for (ai.onnx.proto.OnnxMl.ModelProto m :
          java.util.List.of(
              OnnxExporter.export(spec, weights),
              VjpExporter.vjpLogits(spec, weights),
              VjpExporter.odinGradient(spec, weights))) {
        Set<String> read = new java.util.HashSet<>();
        m.getGraph().getNodeList().forEach(n -> read.addAll(n.getInputList()));
        assertThat(m.getGraph().getInitializerList())
            .as(m.getGraph().getName())
            .allSatisfy(t -> assertThat(read).as(t.getName()).contains(t.getName()));
      }
    }
  }

  @Test
  void odinGraphUsesTheCrossEntropyCotangentOfTheTemperatureScaledPrediction() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = formulaModel(manager, TINY, 32, 5);
      WeightMap weights = WeightMap.of(model);
      ResNetV2Spec spec = ResNetV2Spec.inferFrom(weights);
      int batch = 2;
      int size = 32;
      float[] x = FormulaWeights.values("input", batch * 3 * size * size);
      double temperature = 2.5;
      try (Runner odin = new Runner(VjpExporter.odinGradient(spec, weights).toByteArray());
          Runner vjp = new Runner(VjpExporter.vjpLogits(spec, weights).toByteArray())) {
        Map<String, float[]> got =
            odin.run(
                x,
                batch,
                size,
                VjpExporter.TEMPERATURE,
                new float[] {(float) temperature, (float) temperature},
                new long[] {batch, 1});
        float[] logits = got.get(OnnxExporter.LOGITS);
        float[] cotangent = new float[logits.length];
        for (int r = 0; r < batch; r++) {
          double max = Double.NEGATIVE_INFINITY;
          int arg = 0;
          for (int c = 0; c < 5; c++) {
            if (logits[r * 5 + c] > max) {
              max = logits[r * 5 + c];
              arg = c;
            }
          }
          double sum = 0;
          for (int c = 0; c < 5; c++) {
            sum += Math.exp((logits[r * 5 + c] - max) / temperature);
          }
          for (int c = 0; c < 5; c++) {
            double p = Math.exp((logits[r * 5 + c] - max) / temperature) / sum;
            cotangent[r * 5 + c] = (float) ((p - (c == arg ? 1 : 0)) / temperature);
          }
        }
        float[] want =
            vjp.run(x, batch, size, VjpExporter.COTANGENT, cotangent, new long[] {batch, 5})
                .get(VjpExporter.INPUT_GRADIENT);
        assertRelativelyClose("odin gradient", got.get(VjpExporter.INPUT_GRADIENT), want, 1e-5);
      }
    }
  }

  private static float[] djlGradient(
      NDManager manager, ResNetV2 model, float[] input, Shape shape, float[] cotangent) {
    try (NDManager scope = manager.newSubManager();
        GradientCollector collector = manager.getEngine().newGradientCollector()) {
      NDArray x = scope.create(input, shape);
      x.setRequiresGradient(true);
      NDList out = model.forward(new ParameterStore(scope, false), new NDList(x), false);
      NDArray logits = out.get(ResNetV2.OUTPUT_LOGITS);
      NDArray v = scope.create(cotangent, logits.getShape());
      collector.backward(logits.mul(v).sum());
      return x.getGradient().toFloatArray();
    }
  }

  private static float[] logits(Runner forward, float[] x, int size) throws Exception {
    return forward.run(x, 1, size, null, null, null).get(OnnxExporter.LOGITS);
  }

  private static float[] shifted(float[] x, float[] u, double h) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) (x[i] + h * u[i]);
    }
    return out;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  /** |got - want| <= tolerance * max |want| elementwise. */
  static void assertRelativelyClose(String name, float[] got, float[] want, double tolerance) {
    assertThat(got).as(name).hasSameSizeAs(want);
    double scale = 0;
    for (float w : want) {
      scale = Math.max(scale, Math.abs(w));
    }
    assertThat(scale).as("%s: largest magnitude", name).isGreaterThan(0);
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      double diff = Math.abs(got[i] - want[i]);
      worst = Math.max(worst, diff);
      assertThat(diff)
          .as("%s[%d]: got %s, expected %s (scale %s)", name, i, got[i], want[i], scale)
          .isLessThanOrEqualTo(tolerance * scale);
    }
    System.out.printf("%s: max |diff| %.2g, scale %.2g%n", name, worst, scale);
  }

  private ResNetV2 formulaModel(NDManager manager, int[] units, int width, int classes)
      throws Exception {
    return FormulaWeights.model(manager, dir.resolve("w.npz"), units, width, classes);
  }

  /** ONNX Runtime on one thread, with the image input and optionally one more float input. */
  private static final class Runner implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    Runner(byte[] model) throws Exception {
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        session = env.createSession(model, options);
      }
    }

    /** Runs with the image input and the given extra inputs (which the caller closes). */
    Map<String, float[]> run(float[] input, int batch, int size, Map<String, OnnxTensor> extra)
        throws Exception {
      try (OnnxTensor x =
          OnnxTensor.createTensor(
              env, FloatBuffer.wrap(input), new long[] {batch, 3, size, size})) {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>(extra);
        feeds.put(OnnxExporter.INPUT, x);
        return runFeeds(feeds);
      }
    }

    /** Runs the session on {@code feeds}, every output as floats by name. */
    private Map<String, float[]> runFeeds(Map<String, OnnxTensor> feeds) throws Exception {
      Map<String, float[]> out = new LinkedHashMap<>();
      try (OrtSession.Result result = session.run(feeds)) {
        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
          FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
          float[] values = new float[b.remaining()];
          b.get(values);
          out.put(e.getKey(), values);
        }
      }
      return out;
    }

    Map<String, float[]> run(
        float[] input, int batch, int size, String extraName, float[] extra, long[] extraShape)
        throws Exception {
      Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
      try {
        feeds.put(
            OnnxExporter.INPUT,
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(input), new long[] {batch, 3, size, size}));
        if (extraName != null) {
          feeds.put(extraName, OnnxTensor.createTensor(env, FloatBuffer.wrap(extra), extraShape));
        }
        for (var e : session.getInputInfo().entrySet()) {
          if (!feeds.containsKey(e.getKey())) { // a layer cotangent: zeros of (1, width)
            long width = ((ai.onnxruntime.TensorInfo) e.getValue().getInfo()).getShape()[1];
            feeds.put(
                e.getKey(),
                OnnxTensor.createTensor(
                    env, FloatBuffer.wrap(new float[(int) width]), new long[] {1, width}));
          }
        }
        return runFeeds(feeds);
      } finally {
        for (OnnxTensor t : feeds.values()) {
          t.close();
        }
      }
    }

    @Override
    public void close() throws Exception {
      session.close();
    }
  }
}
