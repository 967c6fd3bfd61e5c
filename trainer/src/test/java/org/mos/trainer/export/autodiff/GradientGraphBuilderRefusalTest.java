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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The graphs {@link GradientGraphBuilder} refuses to differentiate (an op or attribute without a
 * rule, an opset before 13), each refusal naming the node and the fix; and the operator list of
 * docs/perturbation.md against the registry of rules.
 */
class GradientGraphBuilderRefusalTest {

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
}
