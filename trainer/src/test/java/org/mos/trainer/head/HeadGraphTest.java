package org.mos.trainer.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.onnx.GraphEdits;
import org.mos.common.onnx.LinearHead;
import org.mos.common.onnx.OnnxGraphException;
import org.mos.common.score.FloatMatrix;

/**
 * The head swap on a foreign-style graph: features = relu(input), logits =
 * Identity(MatMul(features, W0) + b0), as torch.onnx exports some classifiers.
 */
class HeadGraphTest {

  private static final float[] INPUT = {1, -2, 3, 0.5f, -1, 2, 0, 4};

  @Test
  void theOldMatMulAddHeadIsReplacedByAGemmOfTheNewWeights() throws Exception {
    float[] w = {1, 0, 0, 0, 0, 1, 1, 0, 0.5f, 0, 0, 2}; // 3 classes x 4 features
    float[] b = {0.25f, -1, 2};
    ModelProto swapped = HeadGraph.attach(matMulAddClassifier(), "logits", w, b);
    GraphProto g = swapped.getGraph();
    assertThat(g.getNodeList()).extracting(NodeProto::getOpType).containsExactly("Relu", "Gemm");
    assertThat(g.getInitializerList())
        .extracting(TensorProto::getName)
        .containsExactly("mos_head.weight", "mos_head.bias");
    assertThat(g.getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue())
        .isEqualTo(3);
    Map<String, float[][]> out = run(swapped);
    float[][] features = out.get("features");
    assertThat(features[0]).containsExactly(1, 0, 3, 0.5f);
    assertThat(features[1]).containsExactly(0, 2, 0, 4);
    // by hand: row 0 = (1 + .25, 0 + 3 - 1, .5 + 1 + 2), row 1 = (.25, 2 - 1, 8 + 2)
    assertThat(out.get("logits")[0]).containsExactly(1.25f, 2f, 3.5f);
    assertThat(out.get("logits")[1]).containsExactly(0.25f, 1f, 10f);
  }

  @Test
  void aHeadOfAnotherFeatureLengthIsRefused() {
    assertThatThrownBy(
            () -> HeadGraph.attach(matMulAddClassifier(), "logits", new float[6], new float[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the backbone's features 'features' are 4 long");
    assertThatThrownBy(
            () -> HeadGraph.attach(matMulAddClassifier(), "scores", new float[8], new float[2]))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("no output named 'scores'");
  }

  @Test
  void aRetrainedLinearHeadIsAttachedAsTheFloatArraysAre() throws Exception {
    float[] w = {1, 0, 0, 0, 0, 1, 1, 0, 0.5f, 0, 0, 2};
    float[] b = {0.25f, -1, 2};
    ModelProto backbone = matMulAddClassifier();
    LinearHead trained =
        LinearHead.find(backbone, "logits").retrained(FloatMatrix.wrap(w, 3, 4), b);
    assertThat(HeadGraph.attach(backbone, trained))
        .isEqualTo(HeadGraph.attach(backbone, "logits", w, b));
    LinearHead elsewhere = new LinearHead("input", "logits", FloatMatrix.wrap(w, 3, 4), b);
    assertThatThrownBy(() -> HeadGraph.attach(backbone, elsewhere))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessage(
            "the new head reads 'input' (4 long) but the backbone's head reads 'features' (4"
                + " long)");
  }

  private static Map<String, float[][]> run(ModelProto model) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session =
            env.createSession(model.toByteArray(), new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(INPUT), new long[] {2, 4});
        OrtSession.Result r = session.run(Map.of("input", x))) {
      return Map.of(
          "logits", (float[][]) r.get("logits").orElseThrow().getValue(),
          "features", (float[][]) r.get("features").orElseThrow().getValue());
    }
  }

  private static ModelProto matMulAddClassifier() {
    GraphProto g =
        GraphProto.newBuilder()
            .setName("foreign")
            .addInput(value("input", 4))
            .addNode(node("Relu", "relu", "features", "input"))
            .addNode(node("MatMul", "fc", "fc_out", "features", "fc.weight"))
            .addNode(node("Add", "fc_bias", "fc_sum", "fc_out", "fc.bias"))
            .addNode(node("Identity", "out", "logits", "fc_sum"))
            .addInitializer(GraphEdits.floatTensor("fc.weight", new float[8], 4, 2))
            .addInitializer(GraphEdits.floatTensor("fc.bias", new float[2], 2))
            .addOutput(value("logits", 2))
            .addOutput(value("features", 4))
            .build();
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
        .setGraph(g)
        .build();
  }

  private static NodeProto node(String op, String name, String output, String... inputs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
    for (String i : inputs) {
      n.addInput(i);
    }
    return n.build();
  }

  private static ValueInfoProto value(String name, int cols) {
    TensorShapeProto shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(cols))
            .build();
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }
}
