package org.mos.trainer.export;

import static org.mos.trainer.export.OnnxGraph.integer;
import static org.mos.trainer.export.OnnxGraph.ints;
import static org.mos.trainer.export.OnnxGraph.real;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mos.trainer.model.GroupNorm;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.model.StdConv2d;
import org.mos.trainer.weights.BitKeys;

/**
 * Writes a BiT ResNetV2 as an ONNX graph (opset 21), built directly with the ONNX protobuf classes.
 *
 * <p>Input {@code input}: (N, 3, H, W) float32, N, H and W symbolic (the manifest's input size is
 * what the preprocessing produces, but any size the network accepts runs). Outputs: {@code logits}
 * (N, numLogits), {@code features} (N, 2048 w, the pooled pre-logits), and the spatial means {@code
 * stem}, {@code block1} .. {@code block4} (N, width) that Mahalanobis scoring reads. The spatial
 * means are side branches (GlobalAveragePool + Flatten off the trunk) that nothing on the way to
 * the logits reads. (ONNX Runtime 1.23 runs every node whatever outputs a run asks for; the five
 * branches cost about 0.1% of a forward pass.)
 *
 * <p>Weight standardisation is folded into the kernels here (computed in double, stored as float),
 * so the graph has plain convolutions. Group norm is written as Reshape (N, 32, -1) ->
 * InstanceNormalization (unit scale, zero shift, eps 1e-5) -> Reshape back -> per-channel Mul and
 * Add: that is exactly GN's definition, runs on every ONNX runtime, and avoids GroupNormalization,
 * whose scale/bias meaning changed between opsets 18 (per group) and 21 (per channel). Measured
 * with ONNX Runtime 1.23 on R50x1 (bench/export.md), GroupNormalization-21 runs but is about 25%
 * slower and four times further from PyTorch's logits than this form.
 */
public final class OnnxExporter {

  /** The opset the graph is written for. */
  public static final long OPSET = 21;

  /** IR version that goes with {@link #OPSET}. */
  public static final long IR_VERSION = 10;

  public static final String INPUT = "input";
  public static final String LOGITS = "logits";
  public static final String FEATURES = "features";

  /** Output names in the order the manifest lists them. */
  public static final List<String> OUTPUTS =
      List.of(LOGITS, FEATURES, "stem", "block1", "block2", "block3", "block4");

  private static final AttributeProto[] NONE = {};
  private static final String BATCH = "N";

  private final OnnxGraph graph;
  private final WeightMap weights;
  private final ResNetV2Spec spec;

  /** Non-null when the forward is traced for a backward pass (see {@link VjpExporter}). */
  private final ForwardTrace trace;

  private String gnGroupShape;
  private String gnOnes;
  private String gnZeros;
  private String reduceAxis;
  private String gnEpsilon;
  private String gnChannelShape;
  private final Map<Integer, String> expandShapes = new HashMap<>();
  private ForwardTrace.Conv lastConv;
  private ForwardTrace.Norm lastNorm;
  private String lastReluInput;

  private OnnxExporter(ResNetV2Spec spec, WeightMap weights, ForwardTrace trace, String name) {
    this.spec = spec;
    this.weights = weights;
    this.trace = trace;
    this.graph = new OnnxGraph(name);
  }

  /**
   * Builds the graph for {@code spec} from {@code weights}.
   *
   * @throws IllegalArgumentException naming the first parameter that is missing or misshapen
   */
  public static ModelProto export(ResNetV2Spec spec, WeightMap weights) {
    spec.check(weights, "the weights");
    OnnxExporter exporter = new OnnxExporter(spec, weights, null, "bit_resnetv2");
    exporter.forward();
    return exporter.model("BiT ResNetV2 " + spec.architectureName());
  }

  /**
   * Starts a graph for a backward pass: the forward of {@link #export}, with group norm written out
   * (mean, deviation, normalised values) and every value the backward needs recorded in {@code
   * trace}. The caller adds the backward to {@link #graph()} and then calls {@link #model}.
   */
  static OnnxExporter traced(
      ResNetV2Spec spec, WeightMap weights, ForwardTrace trace, String name) {
    spec.check(weights, "the weights");
    OnnxExporter exporter = new OnnxExporter(spec, weights, trace, name);
    exporter.forward();
    return exporter;
  }

  OnnxGraph graph() {
    return graph;
  }

  ModelProto model(String description) {
    return graph.model(
        IR_VERSION, OPSET, "mos-trainer", description + " (weight standardisation folded)");
  }

  /** The graph input, the forward and every forward output, {@code logits} last. */
  private void forward() {
    graph.input(INPUT, BATCH, 3, "H", "W");
    int groups = GroupNorm.DEFAULT_GROUPS;
    gnGroupShape = graph.longs("gn/group_shape", 0, groups, -1);
    if (trace == null) {
      // InstanceNormalization's unit scale and zero shift; the traced group norm has no use for
      // them (ONNX Runtime warns about unused initializers)
      gnOnes = graph.floats("gn/ones", filled(groups, 1f), groups);
      gnZeros = graph.floats("gn/zeros", new float[groups], groups);
    } else {
      reduceAxis = graph.longs("gn/reduce_axis", 2);
      gnEpsilon = graph.floats("gn/epsilon", new float[] {(float) GroupNorm.DEFAULT_EPSILON});
      gnChannelShape = graph.longs("gn/channel_shape", 0, -1, 1, 1);
    }

    String h = conv("stem", BitKeys.STEM_KERNEL, INPUT, 2, 3);
    String pads = graph.longs("stem/pads", 0, 0, 1, 1, 0, 0, 1, 1);
    h = graph.node("Pad", "stem", NONE, h, pads);
    AttributeProto[] pool = {ints("kernel_shape", 3, 3), ints("strides", 2, 2)};
    if (trace == null) {
      h = graph.node("MaxPool", "stem", pool, h);
    } else {
      trace.stem = lastConv;
      trace.padded = h;
      String[] pooled = graph.nodeOutputs("MaxPool", "stem", pool, 2, h);
      h = pooled[0];
      trace.poolIndices = pooled[1];
    }
    spatialMean("stem", h);
    int[] units = spec.units();
    for (int b = 1; b <= ResNetV2.NUM_BLOCKS; b++) {
      for (int u = 1; u <= units[b - 1]; u++) {
        h = unit(b, u, h, u == 1 && b > 1 ? 2 : 1);
      }
      spatialMean("block" + b, h);
    }
    h = relu("head", groupNorm("head", BitKeys.PREFIX, h));
    if (trace != null) {
      trace.headNorm = lastNorm;
      trace.headRelu = lastReluInput;
      trace.headWeight = "head/weight";
    }
    String pooled = graph.node("GlobalAveragePool", "head", NONE, h);
    String features =
        graph.nodeTo(FEATURES, "Flatten", new AttributeProto[] {integer("axis", 1)}, pooled);
    graph.output(FEATURES, BATCH, spec.featureWidth());
    WeightMap.Tensor kernel = weights.get(BitKeys.HEAD_KERNEL);
    String w = graph.floats("head/weight", kernel.values(), spec.numLogits(), spec.featureWidth());
    String bias =
        graph.floats("head/bias", weights.get(BitKeys.HEAD_BIAS).values(), spec.numLogits());
    graph.nodeTo(LOGITS, "Gemm", new AttributeProto[] {integer("transB", 1)}, features, w, bias);
    graph.output(LOGITS, BATCH, spec.numLogits());
  }

  private String unit(int block, int unit, String x, int stride) {
    String name = String.format("block%d/unit%02d", block, unit);
    String prefix = BitKeys.unit(block, unit);
    String out = relu(name, groupNorm(name + "/gn1", prefix + "a/", x));
    ForwardTrace.Norm gn1 = lastNorm;
    String relu1 = lastReluInput;
    ForwardTrace.Conv proj = null;
    String shortcut = x;
    if (unit == 1) {
      shortcut = conv(name + "/proj", BitKeys.conv(block, unit, "a/proj"), out, stride, 0);
      proj = lastConv;
    }
    String h = conv(name + "/conv1", BitKeys.conv(block, unit, "a"), out, 1, 0);
    ForwardTrace.Conv conv1 = lastConv;
    h = relu(name, groupNorm(name + "/gn2", prefix + "b/", h));
    ForwardTrace.Norm gn2 = lastNorm;
    String relu2 = lastReluInput;
    h = conv(name + "/conv2", BitKeys.conv(block, unit, "b"), h, stride, 1);
    ForwardTrace.Conv conv2 = lastConv;
    h = relu(name, groupNorm(name + "/gn3", prefix + "c/", h));
    ForwardTrace.Norm gn3 = lastNorm;
    String relu3 = lastReluInput;
    h = conv(name + "/conv3", BitKeys.conv(block, unit, "c"), h, 1, 0);
    if (trace != null) {
      trace.units.add(
          new ForwardTrace.Unit(gn1, relu1, proj, conv1, gn2, relu2, conv2, gn3, relu3, lastConv));
    }
    return graph.node("Add", name, NONE, h, shortcut);
  }

  private String conv(String name, String key, String x, int stride, int pad) {
    WeightMap.Tensor kernel = weights.get(key);
    int[] s = kernel.shape();
    String w =
        graph.floats(name + "/weight", standardise(kernel.values(), s[0]), s[0], s[1], s[2], s[3]);
    AttributeProto[] attributes = {
      ints("kernel_shape", s[2], s[3]),
      ints("strides", stride, stride),
      ints("pads", pad, pad, pad, pad)
    };
    lastConv = new ForwardTrace.Conv(x, w, s[2], stride, pad);
    return graph.node("Conv", name, attributes, x, w);
  }

  private String groupNorm(String name, String prefix, String x) {
    float[] gamma = weights.get(BitKeys.norm(prefix, "gamma")).values();
    float[] beta = weights.get(BitKeys.norm(prefix, "beta")).values();
    String shape = graph.node("Shape", name, NONE, x);
    String grouped = graph.node("Reshape", name, NONE, x, gnGroupShape);
    if (trace != null) {
      return tracedGroupNorm(name, shape, grouped, gamma, beta);
    }
    String normalised =
        graph.node(
            "InstanceNormalization",
            name,
            new AttributeProto[] {real("epsilon", (float) GroupNorm.DEFAULT_EPSILON)},
            grouped,
            gnOnes,
            gnZeros);
    String back = graph.node("Reshape", name, NONE, normalised, shape);
    String scale = graph.floats(name + "/gamma", gamma, gamma.length, 1, 1);
    String shift = graph.floats(name + "/beta", beta, beta.length, 1, 1);
    return graph.node("Add", name, NONE, graph.node("Mul", name, NONE, back, scale), shift);
  }

  /**
   * Group norm written out, so that the backward can read the deviations from the group means and 1
   * / sigma. The normalised values are never stored: gamma / sigma is folded into one scale per
   * (image, channel), so the full-size work is no more than InstanceNormalization's
   * (bench/odin.md).
   */
  private String tracedGroupNorm(
      String name, String shape, String grouped, float[] gamma, float[] beta) {
    String mean = graph.node("ReduceMean", name, NONE, grouped, reduceAxis);
    String deviation = graph.node("Sub", name, NONE, grouped, mean);
    String square = graph.node("Mul", name, NONE, deviation, deviation);
    String variance = graph.node("ReduceMean", name, NONE, square, reduceAxis);
    String sigma =
        graph.node("Sqrt", name, NONE, graph.node("Add", name, NONE, variance, gnEpsilon));
    String reciprocalDeviation = graph.node("Reciprocal", name, NONE, sigma);
    String perChannel =
        graph.node(
            "Expand",
            name,
            NONE,
            reciprocalDeviation,
            groupToChannels(gamma.length / GroupNorm.DEFAULT_GROUPS));
    perChannel = graph.node("Reshape", name, NONE, perChannel, gnChannelShape);
    String gammaInit = graph.floats(name + "/gamma", gamma, gamma.length, 1, 1);
    String shift = graph.floats(name + "/beta", beta, beta.length, 1, 1);
    String scale = graph.node("Mul", name, NONE, perChannel, gammaInit);
    String back = graph.node("Reshape", name, NONE, deviation, shape);
    lastNorm = new ForwardTrace.Norm(shape, deviation, reciprocalDeviation, scale);
    return graph.node("Add", name, NONE, graph.node("Mul", name, NONE, back, scale), shift);
  }

  /** The Expand shape (1, 1, channels per group) that spreads (N, G, 1) over (N, G, C / G). */
  private String groupToChannels(int perGroup) {
    return expandShapes.computeIfAbsent(
        perGroup, k -> graph.longs("gn/expand_" + k, 1, 1, k.longValue()));
  }

  private String relu(String name, String x) {
    lastReluInput = x;
    return graph.node("Relu", name, NONE, x);
  }

  private void spatialMean(String output, String x) {
    if (trace != null) {
      trace.layerOutputs.add(x);
    }
    String pooled = graph.node("GlobalAveragePool", output, NONE, x);
    graph.nodeTo(output, "Flatten", new AttributeProto[] {integer("axis", 1)}, pooled);
    int index = OUTPUTS.indexOf(output) - 2;
    graph.output(output, BATCH, spec.layerWidths()[index]);
  }

  /**
   * BiT's weight standardisation of an OIHW kernel with {@code out} rows, in double: {@code (w -
   * mean) / sqrt(var + 1e-10)} per output channel, biased variance.
   */
  static float[] standardise(float[] kernel, int out) {
    int n = kernel.length / out;
    float[] result = new float[kernel.length];
    for (int o = 0; o < out; o++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += kernel[o * n + i];
      }
      double mean = sum / n;
      double squares = 0;
      for (int i = 0; i < n; i++) {
        double d = kernel[o * n + i] - mean;
        squares += d * d;
      }
      double scale = 1 / Math.sqrt(squares / n + StdConv2d.EPSILON);
      for (int i = 0; i < n; i++) {
        result[o * n + i] = (float) ((kernel[o * n + i] - mean) * scale);
      }
    }
    return result;
  }

  private static float[] filled(int n, float value) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, value);
    return a;
  }
}
