package org.mos.trainer.export.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
 * autograd in float64 on the same models and inputs; and the refusal of an op without a rule.
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

  /**
   * ONNX Runtime's ConvTranspose (GEMM + col2im) took twice as long as its Conv on a BiT-R50x1
   * (bench/import.md), so the backward of a stride-1 convolution is a Conv; only strided ones keep
   * ConvTranspose.
   */
  @ParameterizedTest
  @ValueSource(strings = {"resnet", "mobilenet"})
  void strideOneConvolutionsDifferentiateAsConvAndStridedOnesAsConvTranspose(String model)
      throws Exception {
    Fixture f = Fixture.load(model);
    long strideOne = 0;
    long strided = 0;
    for (ai.onnx.proto.OnnxMl.NodeProto n : f.forward().getGraph().getNodeList()) {
      if (n.getOpType().equals("Conv")) {
        boolean one =
            n.getAttributeList().stream()
                .filter(a -> a.getName().equals("strides"))
                .allMatch(a -> a.getIntsList().stream().allMatch(v -> v == 1));
        if (one) {
          strideOne++;
        } else {
          strided++;
        }
      }
    }
    ModelProto odin = f.build().odinGradient().orElseThrow();
    Map<String, Long> ops = new java.util.HashMap<>();
    odin.getGraph().getNodeList().forEach(n -> ops.merge(n.getOpType(), 1L, Long::sum));
    assertThat(strideOne).as("stride-1 convolutions in the fixture").isPositive();
    assertThat(ops.getOrDefault("ConvTranspose", 0L)).isEqualTo(strided);
    assertThat(ops.get("Conv")).isEqualTo(2 * strideOne + strided);
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet", "mobilenet", "vit", "zoo", "more"})
  void gradientGraphsHoldNoInitializerThatNoNodeReads(String model) throws Exception {
    GradientGraphBuilder.Result r = Fixture.load(model).build();
    for (ModelProto graph : List.of(r.vjpLogits().orElseThrow(), r.odinGradient().orElseThrow())) {
      Set<String> read = new java.util.HashSet<>();
      graph.getGraph().getNodeList().forEach(n -> read.addAll(n.getInputList()));
      assertThat(graph.getGraph().getInitializerList())
          .extracting(ai.onnx.proto.OnnxMl.TensorProto::getName)
          .allMatch(read::contains);
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

  @Test
  void graphsDeclareTheBundleContractsInputsAndOutputs() throws Exception {
    GradientGraphBuilder.Result r = Fixture.load("mobilenet").build();
    ModelProto vjp = r.vjpLogits().orElseThrow();
    assertThat(vjp.getGraph().getInputList().stream().map(ValueInfoProto::getName))
        .containsExactly("input", GradientGraphs.COTANGENT, "cotangent_features");
    assertThat(vjp.getGraph().getOutputList().stream().map(ValueInfoProto::getName))
        .containsExactly("logits", "features", GradientGraphs.INPUT_GRADIENT);
    ModelProto odin = r.odinGradient().orElseThrow();
    assertThat(odin.getGraph().getInputList().stream().map(ValueInfoProto::getName))
        .containsExactly("input", GradientGraphs.TEMPERATURE);
  }

  @Test
  void anOperatorWithoutARuleOnThePathIsNamedWithItsNode() {
    GradientGraphBuilder.Result r = GradientGraphBuilder.build(tinyGraph("Sin"));
    assertThat(r.vjpLogits()).isEmpty();
    assertThat(r.odinGradient()).isEmpty();
    assertThat(r.unsupported())
        .hasValueSatisfying(
            m ->
                assertThat(m)
                    .contains("operator Sin at node 'odd_one'")
                    .contains("not differentiable"));
  }

  @Test
  void docsListExactlyTheOperatorsWithARule() throws Exception {
    String doc = Files.readString(Path.of("../docs/perturbation.md")).replaceAll("\\s+", " ");
    int start = doc.indexOf("**Supported operators:**") + "**Supported operators:**".length();
    String list = doc.substring(start, doc.indexOf(" (GELU", start)).trim();
    assertThat(Set.of(list.split(", ")))
        .containsExactlyInAnyOrderElementsOf(GradientGraphBuilder.supportedOperators());
  }

  @Test
  void anAttributeWithoutARuleIsNamedWithItsNode() {
    ModelProto m = tinyGraph("Relu");
    float[] ones = new float[27];
    Arrays.fill(ones, 1f);
    java.nio.ByteBuffer raw =
        java.nio.ByteBuffer.allocate(108).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(ones);
    GraphProto g =
        m.getGraph().toBuilder()
            .setNode(
                0,
                NodeProto.newBuilder()
                    .setOpType("Conv")
                    .setName("same_conv")
                    .addInput("input")
                    .addInput("W")
                    .addOutput("conv")
                    .addAttribute(
                        ai.onnx.proto.OnnxMl.AttributeProto.newBuilder()
                            .setName("auto_pad")
                            .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.STRING)
                            .setS(com.google.protobuf.ByteString.copyFromUtf8("SAME_UPPER"))))
            .addNode(1, node("GlobalAveragePool", "pooled", "conv"))
            .addInitializer(
                TensorProto.newBuilder()
                    .setName("W")
                    .setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .addAllDims(java.util.List.of(3L, 1L, 3L, 3L))
                    .setRawData(com.google.protobuf.ByteString.copyFrom(raw.array()))
                    .build())
            .build();
    // the Conv is depthwise (group 3) so that the graph runs
    g =
        g.toBuilder()
            .setNode(
                0,
                g.getNode(0).toBuilder()
                    .addAttribute(
                        ai.onnx.proto.OnnxMl.AttributeProto.newBuilder()
                            .setName("group")
                            .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT)
                            .setI(3)))
            .build();
    GradientGraphBuilder.Result r = GradientGraphBuilder.build(m.toBuilder().setGraph(g).build());
    assertThat(r.vjpLogits()).isEmpty();
    assertThat(r.unsupported())
        .hasValueSatisfying(
            msg ->
                assertThat(msg)
                    .contains("operator Conv at node 'same_conv'")
                    .contains("auto_pad=SAME_UPPER"));
  }

  @Test
  void aSupportedTinyGraphBuilds() {
    assertThat(GradientGraphBuilder.build(tinyGraph("Relu")).unsupported()).isEmpty();
  }

  @Test
  void anOpsetBefore13IsRefusedWithTheFix() {
    ModelProto old =
        tinyGraph("Relu").toBuilder()
            .clearOpsetImport()
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(11))
            .build();
    assertThat(GradientGraphBuilder.build(old).unsupported())
        .hasValueSatisfying(m -> assertThat(m).contains("opset 11").contains("opset_version=17"));
  }

  /** input (N, 3, 4, 4) -> GlobalAveragePool -> Flatten -> OP (node 'odd_one') -> logits (N, 3). */
  private static ModelProto tinyGraph(String op) {
    GraphProto g =
        GraphProto.newBuilder()
            .setName("tiny")
            .addInput(info("input", "N", 3, 4, 4))
            .addNode(node("GlobalAveragePool", "pooled", "input"))
            .addNode(node("Flatten", "flat", "pooled"))
            .addNode(node(op, "logits", "flat").toBuilder().setName("odd_one"))
            .addOutput(info("logits", "N", 3))
            .build();
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .setGraph(g)
        .build();
  }

  private static NodeProto node(String op, String out, String in) {
    return NodeProto.newBuilder().setOpType(op).setName(out).addInput(in).addOutput(out).build();
  }

  private static ValueInfoProto info(String name, Object... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      s.addDim(
          d instanceof Integer i
              ? TensorShapeProto.Dimension.newBuilder().setDimValue(i)
              : TensorShapeProto.Dimension.newBuilder().setDimParam((String) d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(s)))
        .build();
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
