package org.mos.trainer.export.autodiff;

import static org.mos.trainer.export.OnnxGraph.integer;
import static org.mos.trainer.export.OnnxGraph.ints;
import static org.mos.trainer.export.OnnxGraph.real;
import static org.mos.trainer.export.autodiff.Backward.attr;
import static org.mos.trainer.export.autodiff.Backward.input;
import static org.mos.trainer.export.autodiff.PointwiseRules.grad;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.Set;

/**
 * Backward of the layers of classifiers that do not slide a window: inference-mode normalisations,
 * reductions and matrix products. Only the data input is differentiated; weights are constants of
 * an imported graph. Convolutions and pooling are in {@link ConvolutionRules}.
 */
final class LayerRules {

  private static final Set<Integer> FIRST = Set.of(0);

  private LayerRules() {}

  static void register() {
    OperatorRules.add("BatchNormalization", FIRST, LayerRules::batchNorm);
    OperatorRules.add("LayerNormalization", FIRST, LayerRules::layerNorm);
    OperatorRules.add("InstanceNormalization", FIRST, LayerRules::instanceNorm);
    OperatorRules.add("ReduceMean", FIRST, (b, n) -> reduce(b, n, true));
    OperatorRules.add("ReduceSum", FIRST, (b, n) -> reduce(b, n, false));
    OperatorRules.add("Gemm", Set.of(0, 1, 2), LayerRules::gemm);
    OperatorRules.add("MatMul", Set.of(0, 1), LayerRules::matMul);
  }

  /**
   * Inference mode: y = (x - mean) scale / sqrt(var + eps) + bias, so dx = g scale / sqrt(var +
   * eps), which is BatchNormalization itself applied to g with zero mean and bias.
   */
  private static void batchNorm(Backward b, NodeProto n) {
    if (attr(n, "training_mode", 0L) != 0) {
      throw b.refuse("training_mode=1 (batch statistics) is not supported");
    }
    String zeros = b.op("Sub", n.getInput(3), n.getInput(3));
    AttributeProto[] a = {real("epsilon", attr(n, "epsilon", 1e-5f))};
    String g =
        b.op("BatchNormalization", a, grad(b, n), n.getInput(1), zeros, zeros, n.getInput(4));
    b.accumulate(n.getInput(0), g);
  }

  /**
   * dx = rstd (g' - mean(g') - x^ mean(g' x^)) over the normalised axes, g' = g scale, with x^ and
   * rstd from a second LayerNormalization of x (unit scale, no bias) that also outputs InvStdDev.
   */
  private static void layerNorm(Backward b, NodeProto n) {
    String x = n.getInput(0);
    String scale = n.getInput(1);
    if (b.active(scale) || input(n, 2) != null && b.active(n.getInput(2))) {
      throw b.refuse("its scale or bias depends on the input");
    }
    int rank = b.rank(x);
    int first = b.axis(attr(n, "axis", -1L), rank);
    long[] axes = new long[rank - first];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = first + i;
    }
    AttributeProto[] a = {
      integer("axis", first), real("epsilon", attr(n, "epsilon", 1e-5f)),
    };
    String[] norm = b.ops("LayerNormalization", a, 3, x, b.onesLike(scale));
    String normalised = norm[0];
    String rstd = norm[2];
    String gs = b.op("Mul", grad(b, n), scale);
    String axesTensor = b.longs(axes);
    AttributeProto[] keep = {integer("keepdims", 1)};
    String count = b.countRatio(x, rstd);
    String meanG = b.op("Div", b.op("ReduceSum", keep, gs, axesTensor), count);
    String meanGx =
        b.op("Div", b.op("ReduceSum", keep, b.op("Mul", gs, normalised), axesTensor), count);
    String centred = b.op("Sub", b.op("Sub", gs, meanG), b.op("Mul", normalised, meanGx));
    b.accumulate(x, b.op("Mul", centred, rstd));
  }

  /**
   * y = (x - mean) rstd scale + bias per (image, channel) over the spatial axes: dx = rstd (g' -
   * mean(g') - x^ mean(g' x^)), g' = g scale, with mean, rstd and x^ recomputed from x.
   */
  private static void instanceNorm(Backward b, NodeProto n) {
    String x = n.getInput(0);
    String scale = n.getInput(1);
    if (b.active(scale) || b.active(n.getInput(2))) {
      throw b.refuse("its scale or bias depends on the input");
    }
    int rank = b.rank(x);
    long[] axes = new long[rank - 2];
    long[] channelShape = new long[rank - 1];
    channelShape[0] = -1;
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 2;
      channelShape[i + 1] = 1;
    }
    String axesTensor = b.longs(axes);
    AttributeProto[] keep = {integer("keepdims", 1)};
    String sum = b.op("ReduceSum", keep, x, axesTensor);
    String count = b.countRatio(x, sum);
    String deviation = b.op("Sub", x, b.op("Div", sum, count));
    String variance =
        b.op("Div", b.op("ReduceSum", keep, b.op("Mul", deviation, deviation), axesTensor), count);
    String epsilon = b.real(attr(n, "epsilon", 1e-5f));
    String rstd = b.op("Reciprocal", b.op("Sqrt", b.op("Add", variance, epsilon)));
    String normalised = b.op("Mul", deviation, rstd);
    String gs = b.op("Mul", grad(b, n), b.op("Reshape", scale, b.longs(channelShape)));
    String meanG = b.op("Div", b.op("ReduceSum", keep, gs, axesTensor), count);
    String meanGx =
        b.op("Div", b.op("ReduceSum", keep, b.op("Mul", gs, normalised), axesTensor), count);
    String centred = b.op("Sub", b.op("Sub", gs, meanG), b.op("Mul", normalised, meanGx));
    b.accumulate(x, b.op("Mul", centred, rstd));
  }

  /** ReduceMean / ReduceSum: g put back on the reduced axes and spread (divided by their size). */
  private static void reduce(Backward b, NodeProto n, boolean mean) {
    String x = n.getInput(0);
    String g = grad(b, n);
    long[] axesAttribute = Backward.ints(n, "axes");
    String axes = axesAttribute != null ? b.longs(axesAttribute) : input(n, 1);
    if (axes == null && attr(n, "noop_with_empty_axes", 0L) != 0) {
      b.accumulate(x, g);
      return;
    }
    if (attr(n, "keepdims", 1L) == 0 && axes != null) {
      g = b.op("Unsqueeze", g, axes);
    }
    String spread = b.op("Expand", g, b.shape(x));
    if (mean) {
      spread = b.op("Div", spread, b.countRatio(x, n.getOutput(0)));
    }
    b.accumulate(x, spread);
  }

  /**
   * Y = alpha A' B' + beta C with A' = A or A^T (transA), B' likewise: dA' = alpha g B'^T, dB' =
   * alpha A'^T g, each written as one Gemm with the transposes folded into its flags.
   */
  private static void gemm(Backward b, NodeProto n) {
    String a = n.getInput(0);
    String w = n.getInput(1);
    String c = input(n, 2);
    float alpha = attr(n, "alpha", 1f);
    boolean transA = attr(n, "transA", 0L) != 0;
    boolean transB = attr(n, "transB", 0L) != 0;
    String g = grad(b, n);
    if (b.active(a)) {
      String ga =
          transA
              ? gemmOf(b, w, g, alpha, transB, true) // dA = alpha B' g^T
              : gemmOf(b, g, w, alpha, false, !transB); // dA = alpha g B'^T
      b.accumulate(a, ga);
    }
    if (b.active(w)) {
      String gw =
          transB
              ? gemmOf(b, g, a, alpha, true, transA) // dB = alpha g^T A'
              : gemmOf(b, a, g, alpha, !transA, false); // dB = alpha A'^T g
      b.accumulate(w, gw);
    }
    if (c != null && b.active(c)) {
      String gc = b.op("Mul", g, b.real(attr(n, "beta", 1f)));
      b.accumulate(c, b.unbroadcast(gc, c));
    }
  }

  private static String gemmOf(
      Backward b, String left, String right, float alpha, boolean transA, boolean transB) {
    AttributeProto[] a = {
      real("alpha", alpha), integer("transA", transA ? 1 : 0), integer("transB", transB ? 1 : 0)
    };
    return b.op("Gemm", a, left, right);
  }

  /** dA = g B^T, dB = A^T g (transposing the last two axes), summed over broadcast batch axes. */
  private static void matMul(Backward b, NodeProto n) {
    String a = n.getInput(0);
    String w = n.getInput(1);
    if (b.rank(a) < 2 || b.rank(w) < 2) {
      throw b.refuse("a 1-D operand is not supported");
    }
    String g = grad(b, n);
    if (b.active(a)) {
      b.accumulate(a, b.unbroadcast(b.op("MatMul", g, lastTwoSwapped(b, w)), a));
    }
    if (b.active(w)) {
      b.accumulate(w, b.unbroadcast(b.op("MatMul", lastTwoSwapped(b, a), g), w));
    }
  }

  private static String lastTwoSwapped(Backward b, String value) {
    int rank = b.rank(value);
    long[] perm = new long[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = i;
    }
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return b.op("Transpose", new AttributeProto[] {ints("perm", perm)}, value);
  }
}
