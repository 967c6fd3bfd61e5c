package org.mos.trainer.head;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mos.common.onnx.LinearHead;
import org.mos.common.onnx.OnnxGraphException;

/**
 * Graph surgery for a head on a frozen backbone: the backbone's final linear layer (found by {@link
 * LinearHead#find}) is removed and a {@code Gemm} (transB = 1) with the new weight and bias
 * produces the logits output from the same features tensor. Every node and initializer that only
 * fed the old head is removed; every other output (features, layer outputs) stays as it was.
 */
public final class HeadGraph {

  private HeadGraph() {}

  /**
   * The backbone with the new head attached.
   *
   * @param logits the name of the logits output
   * @param weight W, row-major (classes x dim)
   * @param bias b (classes)
   * @throws OnnxGraphException when the backbone's head cannot be found, or its features are not
   *     {@code dim} long
   */
  public static ModelProto attach(
      ModelProto backbone, String logits, float[] weight, float[] bias) {
    LinearHead old = LinearHead.find(backbone, logits);
    int classes = bias.length;
    if (weight.length != classes * old.dim()) {
      throw new IllegalArgumentException(
          "the new head has "
              + weight.length
              + " weights for "
              + classes
              + " classes, but the backbone's features '"
              + old.features()
              + "' are "
              + old.dim()
              + " long");
    }
    GraphProto g = backbone.getGraph();
    Set<String> names = new HashSet<>();
    g.getNodeList().forEach(n -> names.addAll(n.getOutputList()));
    g.getInitializerList().forEach(t -> names.add(t.getName()));
    g.getInputList().forEach(i -> names.add(i.getName()));
    String w = unique("mos_head.weight", names);
    String b = unique("mos_head.bias", names);
    List<NodeProto> nodes = new ArrayList<>();
    for (NodeProto n : g.getNodeList()) {
      if (!n.getOutputList().contains(logits)) {
        nodes.add(n);
      }
    }
    nodes.add(
        NodeProto.newBuilder()
            .setName("mos_head")
            .setOpType("Gemm")
            .addInput(old.features())
            .addInput(w)
            .addInput(b)
            .addOutput(logits)
            .addAttribute(
                AttributeProto.newBuilder()
                    .setName("transB")
                    .setType(AttributeProto.AttributeType.INT)
                    .setI(1))
            .build());
    Set<String> outputs = new HashSet<>();
    g.getOutputList().forEach(o -> outputs.add(o.getName()));
    nodes = live(nodes, outputs);
    Set<String> used = new HashSet<>(outputs);
    Set<String> produced = new HashSet<>();
    for (NodeProto n : nodes) {
      used.addAll(n.getInputList());
      produced.addAll(n.getOutputList());
    }
    GraphProto.Builder out = g.toBuilder().clearNode().addAllNode(nodes).clearInitializer();
    for (TensorProto t : g.getInitializerList()) {
      if (used.contains(t.getName())) {
        out.addInitializer(t);
      }
    }
    out.addInitializer(floats(w, weight, classes, old.dim()));
    out.addInitializer(floats(b, bias, classes));
    out.clearInput();
    for (ValueInfoProto i : g.getInputList()) {
      if (used.contains(i.getName())) {
        out.addInput(i); // an old-style initializer input of the removed head goes with it
      }
    }
    out.clearValueInfo();
    for (ValueInfoProto v : g.getValueInfoList()) {
      if (produced.contains(v.getName()) && !v.getName().equals(logits)) {
        out.addValueInfo(v);
      }
    }
    out.clearOutput();
    for (ValueInfoProto o : g.getOutputList()) {
      out.addOutput(o.getName().equals(logits) ? withClasses(o, classes) : o);
    }
    return backbone.toBuilder().setGraph(out).build();
  }

  /** The nodes something still reads (another live node or a graph output), in their order. */
  private static List<NodeProto> live(List<NodeProto> nodes, Set<String> outputs) {
    List<NodeProto> kept = nodes;
    while (true) {
      Set<String> read = new HashSet<>(outputs);
      kept.forEach(n -> read.addAll(n.getInputList()));
      List<NodeProto> next = new ArrayList<>();
      for (NodeProto n : kept) {
        if (n.getOutputList().stream().anyMatch(read::contains)) {
          next.add(n);
        }
      }
      if (next.size() == kept.size()) {
        return next;
      }
      kept = next;
    }
  }

  /** The logits output's value info with its class dimension set to {@code classes}. */
  private static ValueInfoProto withClasses(ValueInfoProto o, int classes) {
    if (!o.hasType() || !o.getType().hasTensorType() || !o.getType().getTensorType().hasShape()) {
      return o;
    }
    TensorShapeProto shape = o.getType().getTensorType().getShape();
    if (shape.getDimCount() != 2) {
      return o;
    }
    ValueInfoProto.Builder b = o.toBuilder();
    b.getTypeBuilder()
        .getTensorTypeBuilder()
        .getShapeBuilder()
        .setDim(1, TensorShapeProto.Dimension.newBuilder().setDimValue(classes));
    return b.build();
  }

  private static TensorProto floats(String name, float[] values, int... dims) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .setRawData(ByteString.copyFrom(raw.array()));
    for (int d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  private static String unique(String base, Set<String> taken) {
    String name = base;
    for (int i = 1; taken.contains(name); i++) {
      name = base + "_" + i;
    }
    return name;
  }
}
