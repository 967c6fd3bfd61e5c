package org.mos.trainer.export.autodiff;

import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one registry of differentiable operators: for each ONNX op type, which of its inputs carry
 * gradients and how its backward is written. Rules live in {@link PointwiseRules}, {@link
 * ConvolutionRules}, {@link LayerRules} and {@link ShapeRules}. Ops that only compute shapes or
 * indices (Shape, Size, Constant, ConstantOfShape, comparisons, ArgMax ..) need no rule: their
 * outputs are not float or not reached from the input, so no gradient flows through them.
 */
final class OperatorRules {

  /** The backward of one op type. */
  interface Rule {
    /**
     * Adds to the gradients of the node's differentiable inputs, from the gradients of its outputs
     * ({@link Backward#gradient}; at least one is set).
     */
    void backward(Backward b, NodeProto n);
  }

  /** A rule and the input positions it differentiates. */
  record Entry(Set<Integer> inputs, Rule rule) {}

  private static final Map<String, Entry> RULES = new HashMap<>();

  static {
    PointwiseRules.register();
    ConvolutionRules.register();
    LayerRules.register();
    ShapeRules.register();
  }

  private OperatorRules() {}

  static void add(String op, Set<Integer> inputs, Rule rule) {
    RULES.put(op, new Entry(inputs, rule));
  }

  /** The rule of {@code op}, or null when it has none. */
  static Entry of(String op) {
    return RULES.get(op);
  }

  /** The op types with a rule, sorted (for messages and docs). */
  static Set<String> supported() {
    return new TreeSet<>(RULES.keySet());
  }
}
