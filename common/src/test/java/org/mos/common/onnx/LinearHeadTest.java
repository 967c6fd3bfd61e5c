package org.mos.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.inference.synthetic.OnnxProtos;
import org.mos.common.score.FloatMatrix;

class LinearHeadTest {

  /** Two features, three classes: W (3, 2), b (3). */
  private static final float[][] W = {{1, 2}, {-1, 0.5f}, {0, 3}};

  private static final float[] B = {0.5f, -1, 2};

  private static float[][] transposed(float[][] m) {
    float[][] t = new float[m[0].length][m.length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        t[j][i] = m[i][j];
      }
    }
    return t;
  }

  private static AttributeProto attribute(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  private static AttributeProto attribute(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  private static ModelProto model(GraphProto.Builder graph) {
    graph
        .setName("head")
        .addInput(OnnxProtos.floatValue("input", "N", 2))
        .addOutput(OnnxProtos.floatValue("logits", "N", 3));
    return OnnxProtos.model("test", graph.build());
  }

  private static NodeProto node(String op, String out, String... inputs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + out);
    for (String in : inputs) {
      n.addInput(in);
    }
    return n.addOutput(out).build();
  }

  private static void assertIsTheHead(LinearHead head) {
    assertThat(head.features()).isEqualTo("input");
    assertThat(head.classes()).isEqualTo(3);
    assertThat(head.dim()).isEqualTo(2);
    for (int c = 0; c < 3; c++) {
      assertThat(head.weight().row(c)).containsExactly(W[c]);
    }
    assertThat(head.bias()).containsExactly(B);
    // x = (1, -2): logits by hand 1*1 + 2*-2 + 0.5 = -2.5, -1 - 1 - 1 = -3, 0 - 6 + 2 = -4
    FloatMatrix logits = head.logits(FloatMatrix.wrap(new float[] {1, -2}, 1, 2));
    assertThat(logits.row(0)).containsExactly(-2.5f, -3f, -4f);
  }

  @Test
  void gemmWithTransposedWeightIsReadAsItIs() {
    GraphProto.Builder g = GraphProto.newBuilder();
    g.addInitializer(OnnxProtos.floats("w", W)).addInitializer(OnnxProtos.floats("b", B));
    g.addNode(
        node("Gemm", "logits", "input", "w", "b").toBuilder()
            .addAttribute(attribute("transB", 1L)));
    assertIsTheHead(LinearHead.find(model(g), "logits"));
  }

  @Test
  void gemmAlphaBetaAndUntransposedWeightAreFolded() {
    float[][] halfWt = transposed(W);
    for (float[] row : halfWt) {
      for (int j = 0; j < row.length; j++) {
        row[j] /= 2;
      }
    }
    float[] quarterB = B.clone();
    for (int i = 0; i < 3; i++) {
      quarterB[i] /= 4;
    }
    GraphProto.Builder g = GraphProto.newBuilder();
    g.addInitializer(OnnxProtos.floats("w", halfWt))
        .addInitializer(OnnxProtos.floats("b", quarterB));
    g.addNode(
        node("Gemm", "logits", "input", "w", "b").toBuilder()
            .addAttribute(attribute("alpha", 2f))
            .addAttribute(attribute("beta", 4f)));
    assertIsTheHead(LinearHead.find(model(g), "logits"));
  }

  @Test
  void matMulThenAddOfAConstantBiasOnEitherSideThroughIdentity() {
    for (boolean biasFirst : new boolean[] {false, true}) {
      GraphProto.Builder g = GraphProto.newBuilder();
      g.addInitializer(OnnxProtos.floats("w", transposed(W)));
      g.addNode(
          NodeProto.newBuilder()
              .setOpType("Constant")
              .addOutput("b")
              .addAttribute(
                  AttributeProto.newBuilder()
                      .setName("value")
                      .setType(AttributeProto.AttributeType.TENSOR)
                      .setT(OnnxProtos.floats("bvalue", B))));
      g.addNode(node("MatMul", "mm", "input", "w"));
      g.addNode(biasFirst ? node("Add", "sum", "b", "mm") : node("Add", "sum", "mm", "b"));
      g.addNode(node("Identity", "logits", "sum"));
      assertIsTheHead(LinearHead.find(model(g), "logits"));
    }
  }

  @Test
  void aRetrainedHeadKeepsTheTensorsAndMayHaveOtherClassesButNotOtherFeatures() {
    GraphProto.Builder g = GraphProto.newBuilder();
    g.addInitializer(OnnxProtos.floats("w", W)).addInitializer(OnnxProtos.floats("b", B));
    g.addNode(
        node("Gemm", "logits", "input", "w", "b").toBuilder()
            .addAttribute(attribute("transB", 1L)));
    LinearHead old = LinearHead.find(model(g), "logits");
    LinearHead trained =
        old.retrained(FloatMatrix.wrap(new float[] {2, 1}, 1, 2), new float[] {-1});
    assertThat(trained.features()).isEqualTo("input");
    assertThat(trained.logits()).isEqualTo("logits");
    assertThat(trained.classes()).isEqualTo(1);
    // x = (1, -2): 2 - 2 - 1
    assertThat(trained.logits(FloatMatrix.wrap(new float[] {1, -2}, 1, 2)).row(0))
        .containsExactly(-1f);
    assertThatThrownBy(() -> old.retrained(FloatMatrix.wrap(new float[3], 1, 3), new float[1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the new weight has 3 columns but the features 'input' are 2 long");
  }

  @Test
  void bareMatMulHasAZeroBias() {
    GraphProto.Builder g = GraphProto.newBuilder();
    g.addInitializer(OnnxProtos.floats("w", transposed(W)));
    g.addNode(node("MatMul", "logits", "input", "w"));
    LinearHead head = LinearHead.find(model(g), "logits");
    assertThat(head.bias()).containsExactly(0f, 0f, 0f);
    assertThat(head.weight().row(2)).containsExactly(W[2]);
  }

  @Test
  void softmaxOutputIsRefusedNamingTheOptionsThatResolveIt() {
    GraphProto.Builder g = GraphProto.newBuilder();
    g.addInitializer(OnnxProtos.floats("w", W)).addInitializer(OnnxProtos.floats("b", B));
    g.addNode(
        node("Gemm", "z", "input", "w", "b").toBuilder().addAttribute(attribute("transB", 1L)));
    g.addNode(node("Softmax", "logits", "z"));
    assertThatThrownBy(() -> LinearHead.find(model(g), "logits"))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("Softmax")
        .hasMessageContaining("--logits-output")
        .hasMessageContaining("--features-output");
    // the pre-softmax tensor works once it is an output
    ModelProto m = model(g);
    ModelProto named =
        m.toBuilder()
            .setGraph(m.getGraph().toBuilder().addOutput(OnnxProtos.floatValue("z", "N", 3)))
            .build();
    assertThat(LinearHead.find(named, "z").logits()).isEqualTo("z");
  }

  @Test
  void missingOutputListsTheGraphsOutputs() {
    GraphProto.Builder g = GraphProto.newBuilder();
    g.addNode(node("Identity", "logits", "input"));
    assertThatThrownBy(() -> LinearHead.find(model(g), "scores"))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("no output named 'scores'")
        .hasMessageContaining("logits");
  }

  @Test
  void computedWeightIsRefused() {
    GraphProto.Builder g = GraphProto.newBuilder();
    g.addInitializer(OnnxProtos.floats("w0", transposed(W)));
    g.addNode(node("Relu", "w", "w0"));
    g.addNode(node("MatMul", "logits", "input", "w"));
    assertThatThrownBy(() -> LinearHead.find(model(g), "logits"))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("is computed");
  }

  @Test
  void mismatchIsZeroForTheHeadsOwnLogitsAndGrowsWithAWrongOne(@TempDir Path dir) throws Exception {
    GraphProto.Builder g = GraphProto.newBuilder();
    g.addInitializer(OnnxProtos.floats("w", W)).addInitializer(OnnxProtos.floats("b", B));
    g.addNode(
        node("Gemm", "logits", "input", "w", "b").toBuilder()
            .addAttribute(attribute("transB", 1L)));
    Path file = dir.resolve("m.onnx");
    Files.write(file, model(g).toByteArray());
    LinearHead head = LinearHead.read(file, "logits");
    FloatMatrix x = FloatMatrix.wrap(new float[] {1, -2, 0.5f, 4}, 2, 2);
    assertThat(head.mismatch(x, head.logits(x))).isZero();
    float[] off = head.logits(x).toArray();
    // row 2, class 3: 0.5*0 + 4*3 + 2 = 14, made 14.8, the largest magnitude of the given logits
    off[5] += 0.8f;
    assertThat(head.mismatch(x, FloatMatrix.wrap(off, 2, 3))).isCloseTo(0.8 / 14.8, within(1e-6));
  }

  @Test
  void notAnOnnxFileIsRefusedWithItsPath(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("junk.onnx");
    Files.write(file, new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
    assertThatThrownBy(() -> OnnxModels.read(file))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("junk.onnx")
        .hasMessageContaining("not an ONNX model");
  }

  @SuppressWarnings("unused")
  private static final OnnxMl.TensorProto.DataType FLOAT = OnnxMl.TensorProto.DataType.FLOAT;
}
