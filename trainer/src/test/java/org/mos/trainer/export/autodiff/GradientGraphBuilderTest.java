package org.mos.trainer.export.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.io.NpyArray;
import org.mos.trainer.weights.Npz;

/**
 * The gradient graphs built from torchvision classifiers exported by {@code torch.onnx.export}
 * (scripts/fixtures/make_autodiff_fixtures.py: a reduced-width ResNet with BatchNormalization
 * nodes, MobileNetV3-small at width 0.25, a two-layer ViT), run in ONNX Runtime, against PyTorch
 * autograd in float64 on the same models and inputs. The fixtures, sessions and the closeness check
 * here serve the other gradient graph tests too; the graphs' structure is checked in {@link
 * GradientGraphBuilderStructureTest}, refusals in {@link GradientGraphBuilderRefusalTest}.
 */
class GradientGraphBuilderTest {

  private static final Path FIXTURES = Path.of("src/test/resources/fixtures/autodiff");
  private static final double TOLERANCE = 1e-4;

  @ParameterizedTest
  @ValueSource(strings = {"resnet", "mobilenet", "vit", "zoo", "more"})
  void vjpOfTheLogitsMatchesPyTorchAutograd(String model) throws Exception {
    Fixture f = Fixture.load(model);
    GradientGraphBuilder.Result r = f.build();
    assertThat(r.unsupported()).isEmpty();
    try (Graph vjp = new Graph(r.vjpLogits().orElseThrow())) {
      Map<String, float[]> out =
          vjp.run(
              Map.of(
                  "input",
                  f.input(),
                  GradientGraphs.COTANGENT,
                  f.array("cotangent"),
                  "cotangent_features",
                  f.zeroRow("cotangent_features")),
              GradientGraphs.INPUT_GRADIENT,
              "logits");
      assertClose("logits", out.get("logits"), f.floats("logits"), TOLERANCE);
      assertClose(
          model + " input gradient",
          out.get(GradientGraphs.INPUT_GRADIENT),
          f.floats("vjp_gradient"),
          TOLERANCE);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet", "mobilenet", "vit", "zoo", "more"})
  void cotangentOfTheFeaturesAddsItsGradientAsPyTorchAutogradDoes(String model) throws Exception {
    Fixture f = Fixture.load(model);
    try (Graph vjp = new Graph(f.build().vjpLogits().orElseThrow())) {
      Map<String, float[]> out =
          vjp.run(
              Map.of(
                  "input",
                  f.input(),
                  GradientGraphs.COTANGENT,
                  f.array("cotangent"),
                  "cotangent_features",
                  f.array("cotangent_features")),
              GradientGraphs.INPUT_GRADIENT);
      assertClose(
          model + " input gradient with features",
          out.get(GradientGraphs.INPUT_GRADIENT),
          f.floats("vjp_features_gradient"),
          TOLERANCE);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet", "mobilenet", "vit", "zoo", "more"})
  void odinGradientAtTemperature1000MatchesPyTorchAutograd(String model) throws Exception {
    Fixture f = Fixture.load(model);
    try (Graph odin = new Graph(f.build().odinGradient().orElseThrow())) {
      Input t = new Input(new float[] {1000f, 1000f}, new long[] {2, 1});
      Map<String, float[]> out =
          odin.run(
              Map.of("input", f.input(), GradientGraphs.TEMPERATURE, t),
              GradientGraphs.INPUT_GRADIENT);
      assertClose(
          model + " odin gradient",
          out.get(GradientGraphs.INPUT_GRADIENT),
          f.floats("odin_gradient"),
          TOLERANCE);
    }
  }

  @Test
  void aBatchOfOneGetsTheGradientOfItsImageAlone() throws Exception {
    Fixture f = Fixture.load("vit");
    Input two = f.input();
    int per = two.values().length / 2;
    Input one =
        new Input(
            Arrays.copyOfRange(two.values(), per, 2 * per),
            new long[] {1, two.shape()[1], two.shape()[2], two.shape()[3]});
    float[] cot = f.floats("cotangent");
    Input cotangent =
        new Input(
            Arrays.copyOfRange(cot, cot.length / 2, cot.length), new long[] {1, cot.length / 2});
    try (Graph vjp = new Graph(f.build().vjpLogits().orElseThrow())) {
      float[] got =
          vjp.run(
                  Map.of(
                      "input",
                      one,
                      GradientGraphs.COTANGENT,
                      cotangent,
                      "cotangent_features",
                      f.zeroRow("cotangent_features")),
                  GradientGraphs.INPUT_GRADIENT)
              .get(GradientGraphs.INPUT_GRADIENT);
      float[] all = f.floats("vjp_gradient");
      assertClose("second image alone", got, Arrays.copyOfRange(all, per, 2 * per), TOLERANCE);
    }
  }

  /** ||got - want|| / ||want|| below {@code tolerance}. */
  static void assertClose(String what, float[] got, float[] want, double tolerance) {
    assertThat(got).as(what + " length").hasSameSizeAs(want);
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < want.length; i++) {
      diff += Math.pow(got[i] - (double) want[i], 2);
      norm += Math.pow(want[i], 2);
    }
    assertThat(norm).as(what + " reference norm").isGreaterThan(0);
    assertThat(Math.sqrt(diff / norm)).as(what + " relative error").isLessThan(tolerance);
  }

  record Input(float[] values, long[] shape) {}

  /** A fixture model and its arrays. */
  record Fixture(ModelProto forward, Map<String, NpyArray> arrays) {

    static Fixture load(String name) throws Exception {
      ModelProto m = ModelProto.parseFrom(Files.readAllBytes(FIXTURES.resolve(name + ".onnx")));
      return new Fixture(m, Npz.read(FIXTURES.resolve(name + ".npz")));
    }

    GradientGraphBuilder.Result build() {
      return GradientGraphBuilder.build(forward);
    }

    float[] floats(String name) {
      double[] v = arrays.get(name).values();
      float[] out = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        out[i] = (float) v[i];
      }
      return out;
    }

    Input array(String name) {
      return new Input(
          floats(name), Arrays.stream(arrays.get(name).shape()).asLongStream().toArray());
    }

    Input input() {
      return array("input");
    }

    /** Zeros of (1, width of {@code name}): no cotangent, broadcast over the batch. */
    Input zeroRow(String name) {
      int width = arrays.get(name).shape()[1];
      return new Input(new float[width], new long[] {1, width});
    }
  }

  /** A built graph in an ONNX Runtime session (one thread). */
  static final class Graph implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    Graph(ModelProto model) throws Exception {
      try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
        o.setIntraOpNumThreads(1);
        session = env.createSession(model.toByteArray(), o);
      }
    }

    Map<String, float[]> run(Map<String, Input> feeds, String... outputs) throws Exception {
      Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
      try {
        for (Map.Entry<String, Input> e : feeds.entrySet()) {
          tensors.put(
              e.getKey(),
              OnnxTensor.createTensor(
                  env, FloatBuffer.wrap(e.getValue().values()), e.getValue().shape()));
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        try (OrtSession.Result r = session.run(tensors, Set.of(outputs))) {
          for (String name : outputs) {
            FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
            float[] v = new float[b.remaining()];
            b.get(v);
            out.put(name, v);
          }
        }
        return out;
      } finally {
        tensors.values().forEach(OnnxTensor::close);
      }
    }

    @Override
    public void close() throws Exception {
      session.close();
    }
  }
}
