package org.mos.trainer.export.autodiff;

import static org.mos.trainer.export.OnnxGraph.integer;
import static org.mos.trainer.export.OnnxGraph.ints;
import static org.mos.trainer.export.OnnxGraph.scalarTensor;
import static org.mos.trainer.export.OnnxGraph.text;
import static org.mos.trainer.export.autodiff.Backward.attr;
import static org.mos.trainer.export.autodiff.PointwiseRules.grad;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Backward of the sliding-window layers of classifiers: convolutions (any stride, padding,
 * dilation, groups) and pooling (average, max, global average). Their gradients are transposed
 * convolutions or scatters cut back to the input's spatial size. Only the data input is
 * differentiated; weights are constants of an imported graph. The other layers are in {@link
 * LayerRules}.
 */
final class ConvolutionRules {

  private static final Set<Integer> FIRST = Set.of(0);

  private ConvolutionRules() {}

  static void register() {
    OperatorRules.add("Conv", FIRST, ConvolutionRules::conv);
    OperatorRules.add("GlobalAveragePool", FIRST, ConvolutionRules::globalAveragePool);
    OperatorRules.add("AveragePool", FIRST, ConvolutionRules::averagePool);
    OperatorRules.add("MaxPool", FIRST, ConvolutionRules::maxPool);
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

  private static void globalAveragePool(Backward b, NodeProto n) {
    String x = n.getInput(0);
    String spread = b.op("Expand", grad(b, n), b.shape(x));
    b.accumulate(x, b.op("Div", spread, b.countRatio(x, n.getOutput(0))));
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
}
