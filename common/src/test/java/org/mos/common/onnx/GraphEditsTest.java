package org.mos.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mos.common.inference.synthetic.OnnxProtos;

class GraphEditsTest {

  private static NodeProto node(String op, String out, String... in) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + out);
    for (String i : in) {
      n.addInput(i);
    }
    return n.addOutput(out).build();
  }

  /** An If node whose then-branch reads the outer tensor {@code outer}. */
  private static NodeProto ifReading(String outer, String out) {
    GraphProto branch = GraphProto.newBuilder().addNode(node("Identity", "inner", outer)).build();
    return node("If", out, "cond").toBuilder()
        .addAttribute(
            AttributeProto.newBuilder()
                .setName("then_branch")
                .setType(AttributeProto.AttributeType.GRAPH)
                .setG(branch))
        .build();
  }

  @Test
  void freshNamesSkipTakenOnesAndAreNeverHandedOutTwice() {
    Set<String> taken = new HashSet<>(Set.of("w", "w_1"));
    assertThat(GraphEdits.freshName("w", taken)).isEqualTo("w_2");
    assertThat(GraphEdits.freshName("w", taken)).isEqualTo("w_3");
    assertThat(GraphEdits.freshName("b", taken)).isEqualTo("b");
    assertThat(taken).contains("w_2", "w_3", "b");
  }

  @Test
  void tensorNamesIncludeWhatSubgraphsReadFromTheOuterGraph() {
    GraphProto g =
        GraphProto.newBuilder()
            .addInput(OnnxProtos.floatValue("x", "N", 2))
            .addNode(ifReading("hidden", "y"))
            .addOutput(OnnxProtos.floatValue("y", "N", 2))
            .build();
    assertThat(GraphEdits.tensorNames(g)).containsExactlyInAnyOrder("x", "cond", "hidden", "y");
  }

  @Test
  void renamingReachesNodeInputsOutputsAndSubgraphReads() {
    NodeProto renamed =
        GraphEdits.renamed(ifReading("a", "b"), Map.of("a", "a2", "b", "b2", "cond", "c2"));
    assertThat(renamed.getInputList()).containsExactly("c2");
    assertThat(renamed.getOutputList()).containsExactly("b2");
    assertThat(renamed.getAttribute(0).getG().getNode(0).getInputList()).containsExactly("a2");
    assertThat(renamed.getAttribute(0).getG().getNode(0).getOutputList())
        .as("names local to the subgraph are not the outer graph's")
        .containsExactly("inner");
  }

  @Test
  void pruningKeepsOnlyWhatFeedsTheOutputsInOrder() {
    GraphProto g =
        GraphProto.newBuilder()
            .addInput(OnnxProtos.floatValue("x", "N", 2))
            .addInput(OnnxProtos.floatValue("unused", "N", 2))
            .addInput(OnnxProtos.floatValue("kept", "N", 2))
            .addInitializer(OnnxProtos.floats("w", new float[] {1, 2}))
            .addInitializer(OnnxProtos.floats("dead_w", new float[] {3, 4}))
            .addNode(node("Mul", "a", "x", "w"))
            .addNode(node("Mul", "dead", "x", "dead_w"))
            .addNode(node("Relu", "y", "a"))
            .addValueInfo(OnnxProtos.floatValue("a", "N", 2))
            .addValueInfo(OnnxProtos.floatValue("dead", "N", 2))
            .addOutput(OnnxProtos.floatValue("y", "N", 2))
            .build();
    GraphProto p = GraphEdits.pruned(g, Set.of("kept"));
    assertThat(p.getNodeList()).extracting(NodeProto::getName).containsExactly("Mul_a", "Relu_y");
    assertThat(p.getInitializerList()).extracting(TensorProto::getName).containsExactly("w");
    assertThat(p.getInputList()).extracting(ValueInfoProto::getName).containsExactly("x", "kept");
    assertThat(p.getValueInfoList()).extracting(ValueInfoProto::getName).containsExactly("a");
    assertThat(p.getOutputList()).isEqualTo(g.getOutputList());
  }

  @Test
  void pruningKeepsTheProducerOfATensorOnlyASubgraphReads() {
    GraphProto g =
        GraphProto.newBuilder()
            .addInput(OnnxProtos.floatValue("x", "N", 2))
            .addNode(node("Relu", "hidden", "x"))
            .addNode(node("Identity", "cond", "x"))
            .addNode(ifReading("hidden", "y"))
            .addOutput(OnnxProtos.floatValue("y", "N", 2))
            .build();
    assertThat(GraphEdits.pruned(g, Set.of()).getNodeList())
        .extracting(NodeProto::getOpType)
        .containsExactly("Relu", "Identity", "If");
  }

  @Test
  void aFloatTensorHoldsItsValuesLittleEndianAndRefusesAWrongShape() {
    TensorProto t = GraphEdits.floatTensor("w", new float[] {1.5f, -2, 0.25f, 8, 0, 3}, 2, 3);
    OnnxModels.FloatTensor back = OnnxModels.floats(t).orElseThrow();
    assertThat(back.dims()).containsExactly(2, 3);
    assertThat(back.values()).containsExactly(1.5f, -2, 0.25f, 8, 0, 3);
    // 1.5f is 0x3FC00000: little-endian bytes 00 00 C0 3F
    assertThat(t.getRawData().toByteArray())
        .startsWith((byte) 0, (byte) 0, (byte) 0xC0, (byte) 0x3F);
    assertThatThrownBy(() -> GraphEdits.floatTensor("w", new float[5], 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tensor 'w' has 5 values for the shape [2, 3] (6)");
  }

  @Test
  void aDimensionIsReplacedOnlyWhereTheShapeHasIt() {
    ValueInfoProto v = OnnxProtos.floatValue("x", "batch", 3, 4);
    ValueInfoProto symbolic = GraphEdits.withDimension(v, 0, GraphEdits.dimension("N"));
    TensorShapeProto shape = symbolic.getType().getTensorType().getShape();
    assertThat(shape.getDim(0).getDimParam()).isEqualTo("N");
    assertThat(shape.getDim(1).getDimValue()).isEqualTo(3);
    ValueInfoProto classes = GraphEdits.withDimension(v, 2, GraphEdits.dimension(7));
    assertThat(classes.getType().getTensorType().getShape().getDim(2).getDimValue()).isEqualTo(7);
    assertThat(GraphEdits.withDimension(v, 3, GraphEdits.dimension(7))).isEqualTo(v);
    ValueInfoProto untyped = ValueInfoProto.newBuilder().setName("u").build();
    assertThat(GraphEdits.withDimension(untyped, 0, GraphEdits.dimension("N"))).isEqualTo(untyped);
  }

  @Test
  void floatValuesAndIdentitiesAreBuiltAsNamed() {
    ValueInfoProto v =
        GraphEdits.floatValue("logits", GraphEdits.dimension("N"), GraphEdits.dimension(10));
    assertThat(v.getType().getTensorType().getElemType())
        .isEqualTo(TensorProto.DataType.FLOAT.getNumber());
    TensorShapeProto shape = v.getType().getTensorType().getShape();
    assertThat(shape.getDimCount()).isEqualTo(2);
    assertThat(shape.getDim(0).getDimParam()).isEqualTo("N");
    assertThat(shape.getDim(1).getDimValue()).isEqualTo(10);
    NodeProto id = GraphEdits.identity("copy", "a", "b");
    assertThat(id.getOpType()).isEqualTo("Identity");
    assertThat(id.getName()).isEqualTo("copy");
    assertThat(id.getInputList()).containsExactly("a");
    assertThat(id.getOutputList()).containsExactly("b");
  }
}
