package org.mos.trainer.export;

import static org.mos.trainer.export.OnnxGraph.integer;
import static org.mos.trainer.export.OnnxGraph.ints;
import static org.mos.trainer.export.OnnxGraph.text;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.List;
import org.mos.common.inference.GradientGraphs;

/**
 * Writes vector-Jacobian graphs of a BiT ResNetV2: the forward of {@link OnnxExporter} (every
 * output of {@code model.onnx}, same names) followed by its backward from a cotangent of {@code
 * logits} to the input, written out in plain ONNX ops (opset 21), with one more output {@code
 * input_gradient} (N, 3, H, W) = J^T v.
 *
 * <p>Two graphs differ only in where the cotangent v comes from:
 *
 * <ul>
 *   <li>{@link #vjpLogits}: a second input {@code cotangent} (N, numLogits), and cotangents of the
 *       spatial means {@code stem} .. {@code block4};
 *   <li>{@link #odinGradient}: a second input {@code temperature} (N, 1), one per image, and v = d
 *       CE(logits / T, argmax logits) / d logits = (softmax(logits / T) - onehot(argmax)) / T, the
 *       cotangent of ODIN's input perturbation, computed in the graph so that ODIN needs no
 *       separate forward.
 * </ul>
 *
 * <p>Backward of each op: Gemm head -> MatMul with the head weight; global average pool -> the
 * gradient spread over h x w divided by h w; ReLU -> g times (pre-activation > 0) as float (zero at
 * zero, as PyTorch); group norm -> (g - mean(g) - x^ mean(g x^)) / sigma per (image, group) with g
 * = dy gamma, written with the deviations and gamma / sigma that the forward keeps (it never stores
 * x^); stride-1 convolution -> Conv with the kernel transposed (in/out) and flipped (ONNX Runtime
 * folds both at load), padding k - 1 - p; strided convolution -> ConvTranspose with padding (p, p)
 * at the start, output padding s - 1, cut to the forward input's size (so any H, W work, even and
 * odd), except 3x3 stride-2 ones, which take four stride-1 Convs and DepthToSpace ({@code
 * polyphaseBackward}); zero pad -> Slice; max pool -> ScatterElements (reduction add) of the
 * gradient to MaxPool's flat argmax indices; residual Add -> the sum of both branches' gradients.
 */
public final class VjpExporter {

  /** The bundle file of {@link #vjpLogits}. */
  public static final String VJP_LOGITS_FILE = "vjp_logits.onnx";

  /** The bundle file of {@link #odinGradient}. */
  public static final String ODIN_GRADIENT_FILE = "odin_gradient.onnx";

  public static final String COTANGENT = GradientGraphs.COTANGENT;
  public static final String TEMPERATURE = GradientGraphs.TEMPERATURE;
  public static final String INPUT_GRADIENT = GradientGraphs.INPUT_GRADIENT;

  private static final AttributeProto[] NONE = {};
  private static final String BATCH = "N";

  private final OnnxExporter forward;
  private final OnnxGraph graph;
  private final ForwardTrace trace;
  private final ResNetV2Spec spec;
  private final String zero;
  private final String[] flip;
  private final String[] cut;
  private final String column;

  /** Kernel rows (columns) of the even and odd outputs of a 3x3 stride-2 convolution's gradient. */
  private final String[] taps;

  /** Cotangent inputs of the stem and block means, or null (the ODIN graph has none). */
  private String[] layerCotangents;

  private VjpExporter(ResNetV2Spec spec, WeightMap weights, String name) {
    this.spec = spec;
    this.trace = new ForwardTrace();
    this.forward = OnnxExporter.traced(spec, weights, trace, name);
    this.graph = forward.graph();
    this.zero = graph.floats("vjp/zero", new float[] {0f});
    this.flip =
        new String[] {
          graph.longs("vjp/flip_starts", -1, -1),
          graph.longs("vjp/flip_ends", Long.MIN_VALUE, Long.MIN_VALUE),
          graph.longs("vjp/spatial_axes", 2, 3),
          graph.longs("vjp/flip_steps", -1, -1)
        };
    this.column = graph.longs("vjp/column", 0, -1, 1, 1);
    this.taps = new String[] {graph.longs("vjp/even_taps", 1), graph.longs("vjp/odd_taps", 2, 0)};
    this.cut =
        new String[] {
          graph.longs("vjp/zeros2", 0, 0),
          graph.longs("vjp/shape_h", 2),
          graph.longs("vjp/shape_w_end", 4),
          graph.longs("vjp/axis0", 0)
        };
  }

  /**
   * The graph (input, cotangent) -> forward outputs and {@code input_gradient} = J^T cotangent.
   * Inputs {@code cotangent_stem}, {@code cotangent_block1} .. {@code cotangent_block4} (N or 1,
   * layer width; zeros of (1, width) for none) add cotangents of the spatial-mean outputs, as
   * Mahalanobis' input perturbation needs. They are plain inputs, not overridable initializers with
   * zero defaults, because ONNX Runtime's Java API cannot feed the latter.
   */
  public static ModelProto vjpLogits(ResNetV2Spec spec, WeightMap weights) {
    VjpExporter e = new VjpExporter(spec, weights, "bit_resnetv2_vjp_logits");
    e.graph.input(COTANGENT, BATCH, spec.numLogits());
    int[] widths = spec.layerWidths();
    List<String> layers = OnnxExporter.OUTPUTS.subList(2, OnnxExporter.OUTPUTS.size());
    e.layerCotangents = new String[widths.length];
    for (int i = 0; i < widths.length; i++) {
      String name = GradientGraphs.layerCotangent(layers.get(i));
      e.graph.input(name, "M", widths[i]);
      e.layerCotangents[i] = name;
    }
    return e.finish(COTANGENT, "VJP of logits and layer means");
  }

  /**
   * The graph (input, temperature) -> forward outputs and {@code input_gradient} = d CE(logits / T,
   * argmax logits) / d input.
   */
  public static ModelProto odinGradient(ResNetV2Spec spec, WeightMap weights) {
    VjpExporter e = new VjpExporter(spec, weights, "bit_resnetv2_odin_gradient");
    e.graph.input(TEMPERATURE, BATCH, 1);
    return e.finish(e.odinCotangent(), "ODIN input gradient");
  }

  private String odinCotangent() {
    return odinCotangent(graph, OnnxExporter.LOGITS, TEMPERATURE, spec.numLogits());
  }

  /**
   * Adds ODIN's cotangent of {@code logits} (N, classes) to {@code graph}: d CE(logits / T, argmax
   * logits) / d logits = (softmax(logits / T) - onehot(argmax)) / T, T the (N, 1) input {@code
   * temperature}; returns its name. Shared with the gradient graphs of imported models.
   */
  public static String odinCotangent(
      OnnxGraph graph, String logits, String temperature, long classes) {
    String p = "odin";
    String scaled = graph.node("Div", p, NONE, logits, temperature);
    String softmax = graph.node("Softmax", p, new AttributeProto[] {integer("axis", 1)}, scaled);
    String predicted =
        graph.node(
            "ArgMax", p, new AttributeProto[] {integer("axis", 1), integer("keepdims", 0)}, logits);
    String depth = graph.longs("odin/depth", classes);
    String values = graph.floats("odin/onehot_values", new float[] {0f, 1f}, 2);
    String onehot =
        graph.node(
            "OneHot", p, new AttributeProto[] {integer("axis", -1)}, predicted, depth, values);
    return graph.node("Div", p, NONE, graph.node("Sub", p, NONE, softmax, onehot), temperature);
  }

  private ModelProto finish(String cotangent, String what) {
    String g = layerCotangent(4, headBackward(cotangent));
    List<ForwardTrace.Unit> units = trace.units;
    int[] perBlock = spec.units();
    int block = 4;
    int left = perBlock[3];
    for (int i = units.size() - 1; i >= 0; i--) {
      g = unitBackward(units.get(i), g);
      if (--left == 0) {
        // g is now the gradient at the previous block's output (the stem's for block 1)
        block--;
        g = layerCotangent(block, g);
        left = block > 0 ? perBlock[block - 1] : 0;
      }
    }
    g = poolBackward(g);
    // the zero pad of one pixel on each side: keep the inner part
    String ones = graph.longs("vjp/ones2", 1, 1);
    String minusOnes = graph.longs("vjp/minus_ones2", -1, -1);
    g = graph.node("Slice", "stem/pad_grad", NONE, g, ones, minusOnes, flip[2]);
    g = convBackward("stem", trace.stem, g);
    graph.nodeTo(INPUT_GRADIENT, "Identity", NONE, g);
    graph.output(INPUT_GRADIENT, BATCH, 3, "H", "W");
    return forward.model("BiT ResNetV2 " + spec.architectureName() + ", " + what);
  }

  /** Adds the cotangent of layer {@code index}'s spatial mean (0 = stem), spread over h x w. */
  private String layerCotangent(int index, String g) {
    if (layerCotangents == null) {
      return g;
    }
    String p = "layer_grad";
    String x = trace.layerOutputs.get(index);
    String shaped = graph.node("Reshape", p, NONE, layerCotangents[index], column);
    String spread = graph.node("Mul", p, NONE, shaped, reciprocalArea(p, x));
    return graph.node("Add", p, NONE, g, spread);
  }

  private String headBackward(String cotangent) {
    String p = "head_grad";
    String features = graph.node("MatMul", p, NONE, cotangent, trace.headWeight);
    String spread = graph.node("Reshape", p, NONE, features, column);
    spread = graph.node("Mul", p, NONE, spread, reciprocalArea(p, trace.headRelu));
    // Mul broadcasts the (N, F, 1, 1) gradient over the (N, F, h, w) mask
    String g = reluBackward(p, trace.headRelu, spread);
    return normBackward(p, trace.headNorm, g);
  }

  private String unitBackward(ForwardTrace.Unit u, String gy) {
    String p = u.conv1().weight().replace("/conv1/weight", "") + "_grad";
    String g = convBackward(p, u.conv3(), gy);
    g = normBackward(p, u.gn3(), reluBackward(p, u.relu3(), g));
    g = convBackward(p, u.conv2(), g);
    g = normBackward(p, u.gn2(), reluBackward(p, u.relu2(), g));
    g = convBackward(p, u.conv1(), g);
    if (u.proj() != null) {
      g = graph.node("Add", p, NONE, g, convBackward(p, u.proj(), gy));
    }
    g = normBackward(p, u.gn1(), reluBackward(p, u.relu1(), g));
    return u.proj() == null ? graph.node("Add", p, NONE, g, gy) : g;
  }

  /**
   * g where the pre-activation is positive, else 0 (zero at zero, as PyTorch). A Mul by the mask
   * cast to float, because ONNX Runtime's Where runs about four times slower than a Mul.
   */
  private String reluBackward(String p, String preActivation, String g) {
    String mask = graph.node("Greater", p, NONE, preActivation, zero);
    String real = graph.node("Cast", p, new AttributeProto[] {integer("to", 1)}, mask);
    return graph.node("Mul", p, NONE, g, real);
  }

  /**
   * Group norm: dx = (g' - mean(g') - x^ mean(g' x^)) / sigma per (image, group), g' = g gamma, x^
   * = d / sigma with d the deviation from the group mean. Written as gs - mean(gs) - d k with gs =
   * g gamma / sigma (the forward's per-channel scale) and k = mean(gs d) / sigma^2, which needs
   * five full-size passes besides the two reductions, and no normalised values.
   */
  private String normBackward(String p, ForwardTrace.Norm n, String g) {
    String scaled = graph.node("Mul", p, NONE, g, n.scale());
    String grouped = graph.node("Reshape", p, NONE, scaled, "gn/group_shape");
    String axis = "gn/reduce_axis";
    String mean = graph.node("ReduceMean", p, NONE, grouped, axis);
    String product = graph.node("Mul", p, NONE, grouped, n.deviation());
    String meanProduct = graph.node("ReduceMean", p, NONE, product, axis);
    String rstd = n.reciprocalDeviation();
    String k = graph.node("Mul", p, NONE, meanProduct, graph.node("Mul", p, NONE, rstd, rstd));
    String projected = graph.node("Mul", p, NONE, n.deviation(), k);
    String r = graph.node("Sub", p, NONE, graph.node("Sub", p, NONE, grouped, projected), mean);
    return graph.node("Reshape", p, NONE, r, n.shape());
  }

  private String convBackward(String p, ForwardTrace.Conv c, String g) {
    int k = c.kernel();
    if (c.stride() == 1) {
      String w =
          graph.node("Transpose", p, new AttributeProto[] {ints("perm", 1, 0, 2, 3)}, c.weight());
      if (k > 1) {
        w = graph.node("Slice", p, NONE, w, flip[0], flip[1], flip[2], flip[3]);
      }
      int pad = k - 1 - c.pad();
      AttributeProto[] a = {ints("kernel_shape", k, k), ints("pads", pad, pad, pad, pad)};
      return graph.node("Conv", p, a, g, w);
    }
    int s = c.stride();
    String full;
    if (s == 2 && k == 3 && c.pad() == 1) {
      full = polyphaseBackward(p, c, g);
    } else {
      AttributeProto[] a = {
        ints("kernel_shape", k, k),
        ints("strides", s, s),
        ints("pads", c.pad(), c.pad(), 0, 0),
        ints("output_padding", s - 1, s - 1)
      };
      full = graph.node("ConvTranspose", p, a, g, c.weight());
    }
    String shape = graph.node("Shape", p, NONE, c.input());
    String size = graph.node("Slice", p, NONE, shape, cut[1], cut[2], cut[3]);
    return graph.node("Slice", p, NONE, full, cut[0], size, flip[2]);
  }

  /**
   * The input gradient of a 3x3, stride-2, pad-1 convolution, (N, C, 2h, 2w), without
   * ConvTranspose. Along each axis dx[2m] = w[1] g[m] and dx[2m + 1] = w[2] g[m] + w[0] g[m + 1],
   * so each (row, column) parity of dx is a stride-1 Conv of g with the 1x1, 1x2, 2x1 or 2x2 part
   * of the transposed kernel (9 taps in all: the forward's work), and DepthToSpace interleaves the
   * four. ONNX Runtime runs them as its NCHWc convolutions; its ConvTranspose (GEMM + col2im) took
   * up to 1.5 times as long on the deeper layers (bench/odin.md).
   */
  private String polyphaseBackward(String p, ForwardTrace.Conv c, String g) {
    String w =
        graph.node("Transpose", p, new AttributeProto[] {ints("perm", 1, 0, 2, 3)}, c.weight());
    String[] phases = new String[4];
    for (int row = 0; row < 2; row++) {
      for (int col = 0; col < 2; col++) {
        String part =
            graph.node("Gather", p, new AttributeProto[] {integer("axis", 2)}, w, taps[row]);
        part = graph.node("Gather", p, new AttributeProto[] {integer("axis", 3)}, part, taps[col]);
        AttributeProto[] a = {ints("kernel_shape", row + 1, col + 1), ints("pads", 0, 0, row, col)};
        phases[row * 2 + col] = graph.node("Conv", p, a, g, part);
      }
    }
    String stacked = graph.node("Concat", p, new AttributeProto[] {integer("axis", 1)}, phases);
    AttributeProto[] d2s = {integer("blocksize", 2), text("mode", "DCR")};
    return graph.node("DepthToSpace", p, d2s, stacked);
  }

  private String poolBackward(String g) {
    String p = "stem/pool_grad";
    String shape = graph.node("Shape", p, NONE, trace.padded);
    String size = graph.node("Size", p, NONE, trace.padded);
    String flat = graph.longs("vjp/flat", -1);
    String count = graph.node("Reshape", p, NONE, size, graph.longs("vjp/one", 1));
    String zeros = graph.node("ConstantOfShape", p, NONE, count);
    String indices = graph.node("Reshape", p, NONE, trace.poolIndices, flat);
    String updates = graph.node("Reshape", p, NONE, g, flat);
    // windows overlap (3x3, stride 2): a pixel that is the maximum of two windows gets both
    AttributeProto[] a = {integer("axis", 0), text("reduction", "add")};
    String scattered = graph.node("ScatterElements", p, a, zeros, indices, updates);
    return graph.node("Reshape", p, NONE, scattered, shape);
  }

  private String reciprocalArea(String p, String x) {
    String shape = graph.node("Shape", p, NONE, x);
    String hw = graph.node("Slice", p, NONE, shape, cut[1], cut[2], cut[3]);
    String real = graph.node("Cast", p, new AttributeProto[] {integer("to", 1)}, hw);
    String area = graph.node("ReduceProd", p, new AttributeProto[] {integer("keepdims", 0)}, real);
    return graph.node("Reciprocal", p, NONE, area);
  }
}
