package org.mos.trainer.export.autodiff;

import static org.mos.trainer.export.OnnxGraph.integer;
import static org.mos.trainer.export.OnnxGraph.ints;
import static org.mos.trainer.export.OnnxGraph.real;
import static org.mos.trainer.export.OnnxGraph.scalarTensor;
import static org.mos.trainer.export.OnnxGraph.text;
import static org.mos.trainer.export.autodiff.Backward.attr;
import static org.mos.trainer.export.autodiff.Backward.input;
import static org.mos.trainer.export.autodiff.PointwiseRules.grad;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Backward of the layers of classifiers: convolutions (any stride, padding, dilation, groups),
 * inference-mode normalisations, pooling, reductions and matrix products. Only the data input is
 * differentiated; weights are constants of an imported graph.
 */
final class LayerRules {

  private static final Set<Integer> FIRST = Set.of(0);

  private LayerRules() {}

  static void register() {
    OperatorRules.add("Conv", FIRST, LayerRules::conv);
    OperatorRules.add("BatchNormalization", FIRST, LayerRules::batchNorm);
    OperatorRules.add("LayerNormalization", FIRST, LayerRules::layerNorm);
    OperatorRules.add("InstanceNormalization", FIRST, LayerRules::instanceNorm);
    OperatorRules.add("GlobalAveragePool", FIRST, LayerRules::globalAveragePool);
    OperatorRules.add("AveragePool", FIRST, LayerRules::averagePool);
    OperatorRules.add("MaxPool", FIRST, LayerRules::maxPool);
    OperatorRules.add("ReduceMean", FIRST, (b, n) -> reduce(b, n, true));
    OperatorRules.add("ReduceSum", FIRST, (b, n) -> reduce(b, n, false));
    OperatorRules.add("Gemm", Set.of(0, 1, 2), LayerRules::gemm);
    OperatorRules.add("MatMul", Set.of(0, 1), LayerRules::matMul);
  }

  private static void requireExplicitPads(Backward b, NodeProto n) {
    String autoPad = attr(n, "auto_pad", "NOTSET");
    if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
      throw b.refuse("auto_pad=" + autoPad + " is not supported (only explicit pads)");
    }
  }

  /**
   * dx = the transposed convolution of g with the same kernel, strides, dilations and groups, the
   * padding at the start only and output padding stride - 1, cut to x's spatial size: that output
   * covers x for any input size (the rows a strided window never reached get zero). Stride-1
   * convolutions with a constant kernel take a plain Conv instead ({@link #strideOneAsConv}).
   */
  private static void conv(Backward b, NodeProto n) {
    requireExplicitPads(b, n);
    String x = n.getInput(0);
    String w = n.getInput(1);
    int spatial = b.rank(w) - 2;
    long[] strides = orOnes(Backward.ints(n, "strides"), spatial);
    long[] dilations = orOnes(Backward.ints(n, "dilations"), spatial);
    long[] pads = Backward.ints(n, "pads");
    long[] begin = new long[2 * spatial];
    long[] outputPadding = new long[spatial];
    long[] kernel = new long[spatial];
    long[] wShape = b.probe(w).shape();
    for (int i = 0; i < spatial; i++) {
      begin[i] = pads == null ? 0 : pads[i];
      outputPadding[i] = strides[i] - 1;
      kernel[i] = wShape[i + 2];
    }
    long group = attr(n, "group", 1L);
    String asConv = strideOneAsConv(b, n, kernel, dilations, pads, group);
    if (asConv != null) {
      b.accumulate(x, asConv);
      return;
    }
    AttributeProto[] a = {
      ints("kernel_shape", kernel),
      ints("strides", strides),
      ints("dilations", dilations),
      ints("pads", begin),
      ints("output_padding", outputPadding),
      integer("group", group)
    };
    String full = b.op("ConvTranspose", a, grad(b, n), w);
    b.accumulate(x, cutToSpatialSize(b, full, x, spatial));
  }

  /**
   * A stride-1 convolution with a constant kernel: dx is the Conv of g with the kernel transposed
   * (in/out channels, per group) and flipped, padded d (k - 1) - p on each side, which is exactly
   * x's size. ONNX Runtime folds the transposition of the constant at load and runs the Conv as its
   * blocked (NCHWc) kernel; its ConvTranspose (GEMM + col2im) took about twice as long on a
   * BiT-R50x1 (bench/import.md). Null when the rule does not apply (strided, computed kernel, a
   * padding wider than the dilated kernel): the caller falls back to ConvTranspose.
   */
  private static String strideOneAsConv(
      Backward b, NodeProto n, long[] kernel, long[] dilations, long[] pads, long group) {
    String w = n.getInput(1);
    long[] strides = Backward.ints(n, "strides");
    int spatial = kernel.length;
    if (!b.constant(w) || b.active(w)) {
      return null;
    }
    long[] flippedPads = new long[2 * spatial];
    for (int i = 0; i < spatial; i++) {
      if (strides != null && strides[i] != 1) {
        return null;
      }
      long reach = dilations[i] * (kernel[i] - 1);
      flippedPads[i] = reach - (pads == null ? 0 : pads[i]);
      flippedPads[i + spatial] = reach - (pads == null ? 0 : pads[i + spatial]);
      if (flippedPads[i] < 0 || flippedPads[i + spatial] < 0) {
        return null;
      }
    }
    long[] wShape = b.probe(w).shape();
    long out = wShape[0];
    long inPerGroup = wShape[1];
    // (out, in / group, k..) -> (group, out / group, in / group, k..) -> swap the channel axes
    long[] grouped = new long[spatial + 3];
    grouped[0] = group;
    grouped[1] = out / group;
    grouped[2] = inPerGroup;
    long[] perm = new long[spatial + 3];
    perm[0] = 0;
    perm[1] = 2;
    perm[2] = 1;
    long[] transposed = new long[spatial + 2];
    transposed[0] = group * inPerGroup;
    transposed[1] = out / group;
    long[] starts = new long[spatial];
    long[] ends = new long[spatial];
    long[] steps = new long[spatial];
    long[] axes = new long[spatial];
    for (int i = 0; i < spatial; i++) {
      grouped[i + 3] = kernel[i];
      perm[i + 3] = i + 3;
      transposed[i + 2] = kernel[i];
      starts[i] = -1;
      ends[i] = Long.MIN_VALUE;
      steps[i] = -1;
      axes[i] = i + 2;
    }
    String swapped =
        b.op(
            "Transpose",
            new AttributeProto[] {ints("perm", perm)},
            b.op("Reshape", w, b.longs(grouped)));
    String flipped =
        b.op(
            "Slice",
            b.op("Reshape", swapped, b.longs(transposed)),
            b.longs(starts),
            b.longs(ends),
            b.longs(axes),
            b.longs(steps));
    AttributeProto[] a = {
      ints("kernel_shape", kernel),
      ints("dilations", dilations),
      ints("pads", flippedPads),
      integer("group", group)
    };
    return b.op("Conv", a, grad(b, n), flipped);
  }

  /** {@code full} (N, C, >= x's sizes) cut to x's spatial sizes. */
  private static String cutToSpatialSize(Backward b, String full, String x, int spatial) {
    long[] axes = new long[spatial];
    long[] zeros = new long[spatial];
    for (int i = 0; i < spatial; i++) {
      axes[i] = i + 2;
    }
    String size = b.op("Slice", b.shape(x), b.longs(2), b.longs(Long.MAX_VALUE), b.longs(0));
    return b.op("Slice", full, b.longs(zeros), size, b.longs(axes));
  }

  private static long[] orOnes(long[] values, int length) {
    if (values != null) {
      return values;
    }
    long[] ones = new long[length];
    java.util.Arrays.fill(ones, 1);
    return ones;
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

  private static void globalAveragePool(Backward b, NodeProto n) {
    String x = n.getInput(0);
    String spread = b.op("Expand", grad(b, n), b.shape(x));
    b.accumulate(x, b.op("Div", spread, b.countRatio(x, n.getOutput(0))));
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
   * Each output pixel's gradient, divided by its window's count, goes back to every pixel of the
   * window: a transposed convolution with a kernel of ones, per channel (N C images of one
   * channel).
   */
  private static void averagePool(Backward b, NodeProto n) {
    requireExplicitPads(b, n);
    if (attr(n, "ceil_mode", 0L) != 0) {
      throw b.refuse("ceil_mode=1 is not supported");
    }
    String x = n.getInput(0);
    long[] kernel = Backward.ints(n, "kernel_shape");
    int spatial = kernel.length;
    long[] strides = orOnes(Backward.ints(n, "strides"), spatial);
    long[] pads = Backward.ints(n, "pads");
    long[] begin = new long[2 * spatial];
    long[] outputPadding = new long[spatial];
    long area = 1;
    for (int i = 0; i < spatial; i++) {
      begin[i] = pads == null ? 0 : pads[i];
      outputPadding[i] = strides[i] - 1;
      area *= kernel[i];
    }
    String g = grad(b, n);
    boolean padded = pads != null && java.util.Arrays.stream(pads).anyMatch(p -> p != 0);
    if (padded && attr(n, "count_include_pad", 0L) == 0) {
      // windows at the border average fewer pixels: their count / area is the pool of ones with
      // pads
      List<AttributeProto> attributes = new ArrayList<>();
      for (AttributeProto at : n.getAttributeList()) {
        if (!at.getName().equals("count_include_pad")) {
          attributes.add(at);
        }
      }
      attributes.add(integer("count_include_pad", 1));
      String fraction =
          b.op("AveragePool", attributes.toArray(new AttributeProto[0]), b.onesLike(x));
      g = b.op("Div", g, fraction);
    }
    g = b.op("Div", g, b.real(area));
    String kernelOnes =
        b.op(
            "ConstantOfShape",
            new AttributeProto[] {scalarTensor("value", 1f)},
            b.longs(concat(new long[] {1, 1}, kernel)));
    // (N, C, h, w) -> (N C, 1, h, w): one kernel serves every channel
    String perChannel = b.op("Reshape", g, b.longs(concat(new long[] {-1, 1}, zeros(spatial))));
    AttributeProto[] a = {
      ints("kernel_shape", kernel),
      ints("strides", strides),
      ints("pads", begin),
      ints("output_padding", outputPadding)
    };
    String full = b.op("ConvTranspose", a, perChannel, kernelOnes);
    // back to (N, C, ..) with the full spatial size, then cut to x's
    String channels = b.op("Slice", b.shape(x), b.longs(0), b.longs(2), b.longs(0));
    String fullSpatial =
        b.op("Slice", b.shape(full), b.longs(2), b.longs(Long.MAX_VALUE), b.longs(0));
    String shape = b.op("Concat", new AttributeProto[] {integer("axis", 0)}, channels, fullSpatial);
    b.accumulate(x, cutToSpatialSize(b, b.op("Reshape", full, shape), x, spatial));
  }

  private static long[] zeros(int n) {
    return new long[n];
  }

  private static long[] concat(long[] a, long[] c) {
    long[] out = java.util.Arrays.copyOf(a, a.length + c.length);
    System.arraycopy(c, 0, out, a.length, c.length);
    return out;
  }

  /**
   * A second MaxPool with the same attributes outputs the flat argmax indices; the gradient is
   * scattered there, adding where windows overlap.
   */
  private static void maxPool(Backward b, NodeProto n) {
    requireExplicitPads(b, n);
    if (attr(n, "storage_order", 0L) != 0) {
      throw b.refuse("storage_order=1 is not supported");
    }
    String x = n.getInput(0);
    String[] pooled = b.ops("MaxPool", n.getAttributeList().toArray(new AttributeProto[0]), 2, x);
    String flat = b.longs(-1);
    String count = b.op("Reshape", b.op("Size", x), b.longs(1));
    String zeros = b.op("ConstantOfShape", new AttributeProto[] {scalarTensor("value", 0f)}, count);
    String indices = b.op("Reshape", pooled[1], flat);
    String updates = b.op("Reshape", grad(b, n), flat);
    AttributeProto[] a = {integer("axis", 0), text("reduction", "add")};
    String scattered = b.op("ScatterElements", a, zeros, indices, updates);
    b.accumulate(x, b.op("Reshape", scattered, b.shape(x)));
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
