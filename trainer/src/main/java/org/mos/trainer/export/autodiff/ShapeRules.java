package org.mos.trainer.export.autodiff;

import static org.mos.trainer.export.OnnxGraph.integer;
import static org.mos.trainer.export.OnnxGraph.ints;
import static org.mos.trainer.export.autodiff.Backward.attr;
import static org.mos.trainer.export.autodiff.Backward.input;
import static org.mos.trainer.export.autodiff.PointwiseRules.grad;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.Set;

/**
 * Backward of ops that move values without computing: reshapes, transposes, expansion,
 * concatenation, and the selections Gather and Slice (a ViT's class token). Selections scatter the
 * gradient back with a one-hot matrix of the selected positions (an Einsum over the selected axis),
 * which handles negative, clamped and strided positions as the forward op resolved them.
 */
final class ShapeRules {

  private static final Set<Integer> FIRST = Set.of(0);
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxy";

  private ShapeRules() {}

  static void register() {
    for (String op : new String[] {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}) {
      OperatorRules.add(
          op, FIRST, (b, n) -> b.accumulate(n.getInput(0), reshapedLike(b, grad(b, n), n)));
    }
    OperatorRules.add(
        "Expand",
        FIRST,
        (b, n) -> b.accumulate(n.getInput(0), b.unbroadcast(grad(b, n), n.getInput(0))));
    OperatorRules.add("Transpose", FIRST, ShapeRules::transpose);
    OperatorRules.add("Concat", null, ShapeRules::concat);
    OperatorRules.add("Split", FIRST, ShapeRules::split);
    OperatorRules.add("Gather", FIRST, ShapeRules::gather);
    OperatorRules.add("Slice", FIRST, ShapeRules::slice);
    OperatorRules.add("Pad", FIRST, ShapeRules::pad);
  }

  private static String reshapedLike(Backward b, String g, NodeProto n) {
    return b.op("Reshape", g, b.shape(n.getInput(0)));
  }

  private static void transpose(Backward b, NodeProto n) {
    long[] perm = Backward.ints(n, "perm");
    if (perm == null) {
      // the default reverses the axes, its own inverse
      b.accumulate(n.getInput(0), b.op("Transpose", grad(b, n)));
      return;
    }
    long[] inverse = new long[perm.length];
    for (int i = 0; i < perm.length; i++) {
      inverse[(int) perm[i]] = i;
    }
    b.accumulate(
        n.getInput(0), b.op("Transpose", new AttributeProto[] {ints("perm", inverse)}, grad(b, n)));
  }

  /** Each input gets its part of g along the axis, from offsets summed at run time. */
  private static void concat(Backward b, NodeProto n) {
    String g = grad(b, n);
    int axis = b.axis(attr(n, "axis", 0L), b.rank(n.getOutput(0)));
    String axes = b.longs(axis);
    String start = b.longs(0);
    for (String x : n.getInputList()) {
      String size = b.op("Slice", b.shape(x), b.longs(axis), b.longs(axis + 1), b.longs(0));
      String end = b.op("Add", start, size);
      if (b.active(x)) {
        b.accumulate(x, b.op("Slice", g, start, end, axes));
      }
      start = end;
    }
  }

  /** The gradients of the outputs (zeros for outputs that got none) concatenated back. */
  private static void split(Backward b, NodeProto n) {
    String x = n.getInput(0);
    int axis = b.axis(attr(n, "axis", 0L), b.rank(x));
    String[] parts = new String[n.getOutputCount()];
    for (int i = 0; i < parts.length; i++) {
      String out = n.getOutput(i);
      String g = b.gradient(out);
      parts[i] =
          g != null
              ? g
              : b.op(
                  "ConstantOfShape",
                  new AttributeProto[] {org.mos.trainer.export.OnnxGraph.scalarTensor("value", 0f)},
                  b.shape(out));
    }
    b.accumulate(x, b.op("Concat", new AttributeProto[] {integer("axis", axis)}, parts));
  }

  /**
   * y = x taken at positions I (a scalar or a 1-D list) along an axis: dx = g contracted with
   * onehot(I, size of the axis) over the positions.
   */
  private static void gather(Backward b, NodeProto n) {
    String x = n.getInput(0);
    String indices = n.getInput(1);
    int rank = b.rank(x);
    int axis = b.axis(attr(n, "axis", 0L), rank);
    int indexRank = b.rank(indices);
    if (indexRank > 1) {
      throw b.refuse("indices of rank " + indexRank + " are not supported (0 or 1)");
    }
    String g = grad(b, n);
    String positions = b.op("Reshape", indices, b.longs(-1));
    if (indexRank == 0) {
      g = b.op("Unsqueeze", g, b.longs(axis));
    }
    b.accumulate(x, scatterAlong(b, g, positions, x, axis, rank));
  }

  /**
   * Slice along constant axes: per axis, the selected positions are Slice applied to 0 .. size - 1
   * with the same start, end and step, and the gradient goes back to them as in {@link #gather}.
   */
  private static void slice(Backward b, NodeProto n) {
    String x = n.getInput(0);
    int rank = b.rank(x);
    long[] axes = b.constantLongs(input(n, 3));
    if (input(n, 3) != null && axes == null) {
      throw b.refuse("its axes are computed; only constant axes are supported");
    }
    if (axes == null) {
      axes = new long[(int) b.probe(n.getInput(1)).shape()[0]];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i;
      }
    }
    String g = grad(b, n);
    // undo the axes one at a time, last first: each step restores one axis's full size
    for (int k = axes.length - 1; k >= 0; k--) {
      int axis = b.axis(axes[k], rank);
      String size = b.op("Slice", b.shape(x), b.longs(axis), b.longs(axis + 1), b.longs(0));
      String range = b.op("Range", b.scalar(0), b.op("Squeeze", size, b.longs(0)), b.scalar(1));
      String kk = b.longs(k);
      String kEnd = b.longs(k + 1);
      String zero = b.longs(0);
      String start = b.op("Slice", n.getInput(1), kk, kEnd, zero);
      String end = b.op("Slice", n.getInput(2), kk, kEnd, zero);
      String[] in = {range, start, end, zero};
      String positions;
      if (input(n, 4) != null) {
        String step = b.op("Slice", n.getInput(4), kk, kEnd, zero);
        positions = b.op("Slice", range, start, end, zero, step);
      } else {
        positions = b.op("Slice", in);
      }
      g = scatterAlong(b, g, positions, x, axis, rank);
    }
    b.accumulate(x, g);
  }

  /** Constant-mode Pad with constant, non-negative pads: the gradient is g's inner part. */
  private static void pad(Backward b, NodeProto n) {
    String mode = attr(n, "mode", "constant");
    if (!mode.equals("constant")) {
      throw b.refuse("mode=" + mode + " is not supported (only constant)");
    }
    if (input(n, 3) != null) {
      throw b.refuse("the axes input is not supported");
    }
    long[] pads = b.constantLongs(input(n, 1));
    if (pads == null || java.util.Arrays.stream(pads).anyMatch(p -> p < 0)) {
      throw b.refuse("only constant, non-negative pads are supported");
    }
    int rank = pads.length / 2;
    long[] begin = java.util.Arrays.copyOf(pads, rank);
    long[] axes = new long[rank];
    for (int i = 0; i < rank; i++) {
      axes[i] = i;
    }
    String starts = b.longs(begin);
    String ends = b.op("Add", starts, b.shape(n.getInput(0)));
    b.accumulate(n.getInput(0), b.op("Slice", grad(b, n), starts, ends, b.longs(axes)));
  }

  /**
   * g (positions along {@code axis}) mapped back to x's size along it: Einsum of g with the one-hot
   * (positions, size) matrix, summing positions that repeat.
   */
  private static String scatterAlong(
      Backward b, String g, String positions, String x, int axis, int rank) {
    if (rank > LETTERS.length() - 1) {
      throw b.refuse("rank " + rank + " is too large");
    }
    String depth = b.op("Slice", b.shape(x), b.longs(axis), b.longs(axis + 1), b.longs(0));
    String values =
        b.op("Cast", new AttributeProto[] {integer("to", Backward.FLOAT)}, b.longs(0, 1));
    String onehot =
        b.op("OneHot", new AttributeProto[] {integer("axis", -1)}, positions, depth, values);
    StringBuilder in = new StringBuilder();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < rank; i++) {
      char c = LETTERS.charAt(i);
      in.append(i == axis ? 'z' : c);
      out.append(c);
    }
    String equation = in + ",z" + LETTERS.charAt(axis) + "->" + out;
    return b.op(
        "Einsum",
        new AttributeProto[] {org.mos.trainer.export.OnnxGraph.text("equation", equation)},
        g,
        onehot);
  }
}
