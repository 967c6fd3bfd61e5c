package org.mos.trainer.export.autodiff;

import static org.mos.trainer.export.OnnxGraph.integer;
import static org.mos.trainer.export.OnnxGraph.scalarTensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.mos.trainer.export.OnnxGraph;

/**
 * The state of one reverse sweep: the graph being extended, the gradient accumulated so far for
 * each forward value, what the probe saw of each value, and the helpers the operator rules share
 * (runtime shapes, broadcasting reductions, constants). Every backward op is shape-agnostic: sizes
 * come from Shape ops at run time, so the graphs keep the forward's dynamic batch and image size.
 */
final class Backward {

  static final AttributeProto[] NONE = {};
  static final int FLOAT = 1;

  private final OnnxGraph graph;
  private final Map<String, ValueProbe.Value> values;
  private final Set<String> active;
  private final Map<String, TensorProto> constants;
  private final Map<String, String> gradients = new HashMap<>();
  private int constantCount;
  private String prefix = "grad";
  private NodeProto node;

  Backward(
      OnnxGraph graph,
      Map<String, ValueProbe.Value> values,
      Set<String> active,
      Map<String, TensorProto> constants) {
    this.graph = graph;
    this.values = values;
    this.active = active;
    this.constants = constants;
  }

  /** Starts the rules of {@code n}: its backward ops get a prefix naming it. */
  void at(NodeProto n, int index) {
    node = n;
    prefix = "grad" + index;
  }

  /** The gradient accumulated for {@code value}, or null when none reached it. */
  String gradient(String value) {
    return gradients.get(value);
  }

  /** Adds {@code g} to the gradient of {@code value} (a no-op for values that carry none). */
  void accumulate(String value, String g) {
    if (!active.contains(value)) {
      return;
    }
    String before = gradients.get(value);
    gradients.put(value, before == null ? g : op("Add", before, g));
  }

  boolean active(String value) {
    return active.contains(value);
  }

  /** Whether {@code value} is an initialiser or a Constant's output: its probed shape is exact. */
  boolean constant(String value) {
    return constants.containsKey(value);
  }

  /**
   * The values of an int64 (or int32) constant, or null when {@code value} is absent or computed.
   */
  long[] constantLongs(String value) {
    TensorProto t = value == null ? null : constants.get(value);
    if (t == null) {
      return null;
    }
    if (t.getDataType() == TensorProto.DataType.INT64_VALUE) {
      if (t.getInt64DataCount() > 0) {
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
      }
      java.nio.LongBuffer b =
          t.getRawData()
              .asReadOnlyByteBuffer()
              .order(java.nio.ByteOrder.LITTLE_ENDIAN)
              .asLongBuffer();
      long[] out = new long[b.remaining()];
      b.get(out);
      return out;
    }
    if (t.getDataType() == TensorProto.DataType.INT32_VALUE) {
      if (t.getInt32DataCount() > 0) {
        return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
      }
      java.nio.IntBuffer b =
          t.getRawData()
              .asReadOnlyByteBuffer()
              .order(java.nio.ByteOrder.LITTLE_ENDIAN)
              .asIntBuffer();
      long[] out = new long[b.remaining()];
      for (int i = 0; i < out.length; i++) {
        out[i] = b.get(i);
      }
      return out;
    }
    return null;
  }

  ValueProbe.Value probe(String value) {
    ValueProbe.Value v = values.get(value);
    if (v == null) {
      throw refuse("the probe run produced no value '" + value + "'");
    }
    return v;
  }

  int rank(String value) {
    return probe(value).rank();
  }

  /** {@code axis} of a value of rank {@code rank}, made non-negative. */
  int axis(long axis, int rank) {
    return (int) (axis < 0 ? axis + rank : axis);
  }

  String op(String op, String... inputs) {
    return graph.node(op, prefix, NONE, inputs);
  }

  String op(String op, AttributeProto[] attributes, String... inputs) {
    return graph.node(op, prefix, attributes, inputs);
  }

  String[] ops(String op, AttributeProto[] attributes, int outputs, String... inputs) {
    return graph.nodeOutputs(op, prefix, attributes, outputs, inputs);
  }

  /** A 1-D int64 constant. */
  String longs(long... values) {
    return graph.longs("autodiff/c" + constantCount++, values);
  }

  /** A scalar int64 constant. */
  String scalar(long value) {
    return graph.longsShaped("autodiff/c" + constantCount++, new long[] {value});
  }

  /** A scalar float constant. */
  String real(float value) {
    return graph.floats("autodiff/c" + constantCount++, new float[] {value});
  }

  String shape(String value) {
    return op("Shape", value);
  }

  /** The float ratio of the element counts of {@code whole} and {@code part}. */
  String countRatio(String whole, String part) {
    AttributeProto[] toFloat = {integer("to", FLOAT)};
    return op("Div", op("Cast", toFloat, op("Size", whole)), op("Cast", toFloat, op("Size", part)));
  }

  /** g times a boolean mask, as float (cheaper than Where in ONNX Runtime). */
  String masked(String g, String mask) {
    return op("Mul", g, op("Cast", new AttributeProto[] {integer("to", FLOAT)}, mask));
  }

  /** A float tensor of ones shaped like {@code value}. */
  String onesLike(String value) {
    return op("ConstantOfShape", new AttributeProto[] {scalarTensor("value", 1f)}, shape(value));
  }

  /**
   * {@code g}, the gradient of a broadcasting op's output, summed down to the shape of its operand
   * {@code x}: over leading axes x lacks and over the axes where x has size 1. The axes are found
   * at run time (x's shape padded with ones to g's rank, the positions of the ones), unless x's
   * shape is the output's for sure: the op's other operands are constants and the probe saw equal
   * shapes.
   */
  String unbroadcast(String g, String x) {
    if (sameShapeAsOutput(x)) {
      return g;
    }
    String sx = shape(x);
    String missing = op("Sub", shape(op("Shape", g)), shape(sx));
    String ones = op("ConstantOfShape", new AttributeProto[] {scalarTensor("value", 1L)}, missing);
    String padded = op("Concat", new AttributeProto[] {integer("axis", 0)}, ones, sx);
    String axes = op("Squeeze", op("NonZero", op("Equal", padded, longs(1))), longs(0));
    AttributeProto[] a = {integer("keepdims", 1), integer("noop_with_empty_axes", 1)};
    return op("Reshape", op("ReduceSum", a, g, axes), sx);
  }

  private boolean sameShapeAsOutput(String x) {
    for (String in : node.getInputList()) {
      if (!in.isEmpty() && !in.equals(x) && !constant(in)) {
        return false;
      }
    }
    return Arrays.equals(probe(x).shape(), probe(node.getOutput(0)).shape());
  }

  /** A refusal naming the current node and its operator. */
  NotDifferentiableException refuse(String why) {
    return new NotDifferentiableException(describe(node) + ": " + why);
  }

  static String describe(NodeProto n) {
    if (n == null) {
      return "the graph";
    }
    String name = n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    return "operator " + n.getOpType() + " at node '" + name + "'";
  }

  // attribute readers

  static long attr(NodeProto n, String name, long fallback) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getI();
      }
    }
    return fallback;
  }

  static float attr(NodeProto n, String name, float fallback) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getF();
      }
    }
    return fallback;
  }

  static String attr(NodeProto n, String name, String fallback) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getS().toStringUtf8();
      }
    }
    return fallback;
  }

  /** An INTS attribute, or null when absent. */
  static long[] ints(NodeProto n, String name) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
      }
    }
    return null;
  }

  /** Input {@code i} of {@code n}, or null when absent or empty (an omitted optional input). */
  static String input(NodeProto n, int i) {
    return i < n.getInputCount() && !n.getInput(i).isEmpty() ? n.getInput(i) : null;
  }
}
