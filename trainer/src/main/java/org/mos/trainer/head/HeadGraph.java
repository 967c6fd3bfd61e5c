package org.mos.trainer.head;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.Set;
import org.mos.common.onnx.GraphEdits;
import org.mos.common.onnx.LinearHead;
import org.mos.common.onnx.OnnxGraphException;
import org.mos.common.score.FloatMatrix;

/**
 * Graph surgery for a head on a frozen backbone: the backbone's final linear layer (found by {@link
 * LinearHead#find}) is removed and a {@code Gemm} (transB = 1) with the new weight and bias
 * produces the logits output from the same features tensor. Every node and initializer that only
 * fed the old head is removed; every other output (features, layer outputs) stays as it was. The
 * edits themselves (fresh names, pruning, initializers, shapes) are common's {@link GraphEdits}.
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
    return replace(
        backbone, old, old.retrained(FloatMatrix.wrap(weight, classes, old.dim()), bias));
  }

  /**
   * The backbone with {@code head} in place of its own final linear layer: {@code head} reads the
   * same features tensor (a head {@link LinearHead#retrained} from the backbone's) and produces the
   * same logits output.
   *
   * @throws OnnxGraphException when the backbone has no such head, or its head reads other features
   */
  public static ModelProto attach(ModelProto backbone, LinearHead head) {
    LinearHead old = LinearHead.find(backbone, head.logits());
    if (!old.features().equals(head.features()) || old.dim() != head.dim()) {
      throw new OnnxGraphException(
          "the new head reads '"
              + head.features()
              + "' ("
              + head.dim()
              + " long) but the backbone's head reads '"
              + old.features()
              + "' ("
              + old.dim()
              + " long)");
    }
    return replace(backbone, old, head);
  }

  private static ModelProto replace(ModelProto backbone, LinearHead old, LinearHead head) {
    GraphProto g = backbone.getGraph();
    String logits = head.logits();
    Set<String> names = GraphEdits.tensorNames(g);
    String w = GraphEdits.freshName("mos_head.weight", names);
    String b = GraphEdits.freshName("mos_head.bias", names);
    GraphProto.Builder out = g.toBuilder().clearNode().clearOutput();
    for (NodeProto n : g.getNodeList()) {
      if (!n.getOutputList().contains(logits)) {
        out.addNode(n);
      }
    }
    out.addNode(
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
                    .setI(1)));
    out.addInitializer(
        GraphEdits.floatTensor(w, head.weight().toArray(), head.classes(), head.dim()));
    out.addInitializer(GraphEdits.floatTensor(b, head.bias(), head.classes()));
    for (ValueInfoProto o : g.getOutputList()) {
      out.addOutput(o.getName().equals(logits) ? withClasses(o, head.classes()) : o);
    }
    // an annotation of the logits may carry the old class count: ONNX Runtime infers it again
    out.clearValueInfo();
    g.getValueInfoList().stream()
        .filter(v -> !v.getName().equals(logits))
        .forEach(out::addValueInfo);
    // what only fed the old head goes: nodes, initializers, old-style initializer inputs
    GraphProto pruned = GraphEdits.pruned(out.build(), Set.of());
    return backbone.toBuilder().setGraph(pruned).build();
  }

  /** The logits output's value info with its class dimension set to {@code classes}. */
  private static ValueInfoProto withClasses(ValueInfoProto o, int classes) {
    boolean matrix =
        o.getType().getTensorType().hasShape()
            && o.getType().getTensorType().getShape().getDimCount() == 2;
    return matrix ? GraphEdits.withDimension(o, 1, GraphEdits.dimension(classes)) : o;
  }
}
