package org.mos.common.inference.synthetic;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.inference.Calibration;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.io.Npy;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisStatistics;

/**
 * A tiny linear model bundle for tests and benchmarks, whose outputs can be computed by hand:
 * {@code features = mean over H, W of the input} (N x 3), {@code logits = features W^T + b} (a
 * Gemm), and a side output {@code block1 = relu(input)} (N x 3 x H x W, spatially averaged by the
 * reader). Test code, shipped only in common's test-jar ({@code mos-common}, type {@code
 * test-jar}); needs {@code org.tribuo:tribuo-util-onnx} on the class path, which the modules using
 * it declare themselves.
 *
 * @param inputSize the square input side
 * @param classNames class names (flat order)
 * @param groupSizes group sizes for a group-softmax head, or null for flat
 * @param weights one row of 3 weights per logit
 * @param bias one bias per logit
 * @param calibration ID calibration scores per method id to store (may be empty)
 */
public record SyntheticBundle(
    int inputSize,
    List<String> classNames,
    List<Integer> groupSizes,
    float[][] weights,
    float[] bias,
    Map<String, double[]> calibration) {

  /** Writes the bundle (graph, calibration scores, manifest) to the folder {@code target}. */
  public BundleManifest writeTo(Path target) throws IOException {
    return writeTo(target, false);
  }

  /**
   * Writes the bundle, with {@code gradients} also the VJP graph of the logits ({@code
   * vjp_logits.onnx}, see {@link org.mos.common.inference.GradientGraphs}): input_gradient = the
   * cotangent times W, spread evenly over the H x W pixels of each channel (the graph's features
   * are spatial means).
   */
  public BundleManifest writeTo(Path target, boolean gradients) throws IOException {
    return write(target, gradients ? Gradients.LOGITS : Gradients.NONE, null, 0);
  }

  /**
   * Writes the bundle with a VJP graph that also takes the cotangent of {@code block1} ({@code
   * cotangent_block1}, (N or 1) x 3): block1's features are the per-channel means of relu(input),
   * so its share of the input gradient is {@code cotangent / (H W)} where the input is above 0 and
   * 0 elsewhere. Mahalanobis' input perturbation on {@code block1} works on this bundle.
   */
  public BundleManifest writeWithLayerGradients(Path target) throws IOException {
    return write(target, Gradients.LOGITS_AND_BLOCK1, null, 0);
  }

  /**
   * Writes the bundle as {@link #writeWithLayerGradients} does, with Mahalanobis statistics on
   * {@code block1} (parameter {@code layers} = [block1]) fitted with input perturbation {@code
   * magnitude} (the {@code input_perturbation_magnitude} parameter), as {@code mos fit
   * --mahalanobis-magnitude} records them.
   *
   * @param statistics one layer of 3 dimensions, with its regression weight and bias
   */
  public BundleManifest writeWithMahalanobis(
      Path target, MahalanobisStatistics statistics, double magnitude) throws IOException {
    if (statistics.layers().size() != 1 || statistics.layers().get(0).dims() != 3) {
      throw new IllegalArgumentException(
          "the synthetic bundle's Mahalanobis layer is block1 (3 features); got "
              + statistics.layers().size()
              + " layers");
    }
    return write(
        target,
        Gradients.LOGITS_AND_BLOCK1,
        statistics,
        new MahalanobisMagnitude(magnitude).magnitude());
  }

  /**
   * Writes the bundle with wider features, and fitted state: {@code features = mean over H, W of
   * the input, times expansion} (N x D for an expansion of 3 x D; {@link #weights} then has D
   * columns), without gradient graphs, with the given statistics (by manifest key) and their files
   * (by name). A head of D above 3 features lets ASH, SCALE and DICE keep activations at their
   * usual percentiles; the statistics are those {@code mos fit} would write (react, dice, knn, vim,
   * calibration).
   */
  public BundleManifest writeWide(
      Path target,
      float[][] expansion,
      Map<String, BundleManifest.Statistics> statistics,
      Map<String, BundleWriter.Content> files)
      throws IOException {
    if (expansion.length != 3 || weights[0].length != expansion[0].length) {
      throw new IllegalArgumentException(
          "the expansion must be 3 x D with D the weights' columns ("
              + weights[0].length
              + "); got "
              + expansion.length
              + " x "
              + expansion[0].length);
    }
    return write(target, Gradients.NONE, null, 0, expansion, statistics, files);
  }

  private enum Gradients {
    NONE,
    LOGITS,
    LOGITS_AND_BLOCK1
  }

  private BundleManifest write(
      Path target, Gradients gradients, MahalanobisStatistics mahalanobis, double magnitude)
      throws IOException {
    return write(target, gradients, mahalanobis, magnitude, null, Map.of(), Map.of());
  }

  private BundleManifest write(
      Path target,
      Gradients gradients,
      MahalanobisStatistics mahalanobis,
      double magnitude,
      float[][] expansion,
      Map<String, BundleManifest.Statistics> statistics,
      Map<String, BundleWriter.Content> extraFiles)
      throws IOException {
    int logits = classNames.size() + (groupSizes == null ? 0 : groupSizes.size());
    if (weights.length != logits || bias.length != logits) {
      throw new IllegalArgumentException(
          "expected "
              + logits
              + " weight rows and biases but got "
              + weights.length
              + " and "
              + bias.length);
    }
    byte[] graph = graph(expansion).toByteArray();
    BundleWriter writer = BundleWriter.to(target).replaceExisting(true);
    writer.write("model.onnx", out -> out.write(graph));
    extraFiles.forEach(writer::write);
    Map<String, String> files = new TreeMap<>();
    for (Map.Entry<String, double[]> e : calibration.entrySet()) {
      String name = "calibration_" + e.getKey() + ".npy";
      double[] scores = e.getValue();
      writer.write(
          name,
          out -> {
            java.nio.ByteBuffer b =
                java.nio.ByteBuffer.allocate(scores.length * 8)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (double s : scores) {
              b.putDouble(s);
            }
            Npy.write(out, "<f8", new int[] {scores.length}, b.array());
          });
      files.put(e.getKey(), name);
    }
    BundleManifest manifest =
        manifest(
            "synthetic-linear",
            inputSize,
            classNames,
            groupSizes,
            List.of("logits", "features", "block1"),
            "SyntheticBundle");
    if (gradients != Gradients.NONE) {
      byte[] vjp = vjpGraph(gradients == Gradients.LOGITS_AND_BLOCK1).toByteArray();
      writer.write("vjp_logits.onnx", out -> out.write(vjp));
      manifest = withLogitsVjp(manifest);
    }
    if (mahalanobis != null) {
      byte[] json = new ObjectMapper().writeValueAsBytes(mahalanobis);
      writer.write("mahalanobis.json", out -> out.write(json));
      manifest =
          manifest.withStatistics(
              "mahalanobis",
              new BundleManifest.Statistics(
                  Map.of("statistics", "mahalanobis.json"),
                  Map.of(
                      "layers",
                      List.of("block1"),
                      MahalanobisMagnitude.MANIFEST_PARAMETER,
                      magnitude)));
    }
    for (Map.Entry<String, BundleManifest.Statistics> e : statistics.entrySet()) {
      manifest = manifest.withStatistics(e.getKey(), e.getValue());
    }
    if (!files.isEmpty()) {
      manifest =
          manifest.withStatistics(
              Calibration.STATISTICS_KEY,
              new BundleManifest.Statistics(files, Map.of("dataset", "synthetic")));
    }
    return writer.commit(manifest);
  }

  /**
   * The manifest of a hand-written test bundle: mean and std 0.5 per channel, no statistics, the
   * writing class as {@code source}.
   */
  public static BundleManifest manifest(
      String architecture,
      int inputSize,
      List<String> classNames,
      List<Integer> groupSizes,
      List<String> outputs,
      String source) {
    return new BundleManifest(
        BundleManifest.SCHEMA_VERSION,
        architecture,
        inputSize,
        List.of(0.5, 0.5, 0.5),
        List.of(0.5, 0.5, 0.5),
        classNames,
        groupSizes,
        outputs,
        Map.of(),
        Map.of("source", source),
        null);
  }

  /** {@code manifest} naming {@code vjp_logits.onnx} as the bundle's logits VJP graph. */
  public static BundleManifest withLogitsVjp(BundleManifest manifest) {
    return manifest.withStatistics(
        GradientGraphs.STATISTICS_KEY,
        new BundleManifest.Statistics(Map.of(GradientGraphs.LOGITS, "vjp_logits.onnx"), Map.of()));
  }

  private OnnxMl.ModelProto graph(float[][] expansion) {
    int logits = bias.length;
    OnnxMl.GraphProto.Builder b =
        OnnxMl.GraphProto.newBuilder()
            .setName("synthetic")
            .addInput(OnnxProtos.floatValue("input", "N", 3, inputSize, inputSize))
            .addInitializer(OnnxProtos.floats("W", weights))
            .addInitializer(OnnxProtos.floats("B", bias))
            .addNode(node("GlobalAveragePool", "gap", "gap").addInput("input"));
    if (expansion == null) {
      b.addNode(node("Flatten", "flatten", "features").addInput("gap"));
    } else {
      b.addInitializer(OnnxProtos.floats("E", expansion))
          .addNode(node("Flatten", "flatten", "pooled").addInput("gap"))
          .addNode(node("MatMul", "expand", "features").addInput("pooled").addInput("E"));
    }
    int width = expansion == null ? 3 : expansion[0].length;
    OnnxMl.GraphProto g =
        b.addNode(
                node("Gemm", "head", "logits")
                    .addInput("features")
                    .addInput("W")
                    .addInput("B")
                    .addAttribute(OnnxProtos.transposeB()))
            .addNode(node("Relu", "block1", "block1").addInput("input"))
            .addOutput(OnnxProtos.floatValue("logits", "N", logits))
            .addOutput(OnnxProtos.floatValue("features", "N", width))
            .addOutput(OnnxProtos.floatValue("block1", "N", 3, inputSize, inputSize))
            .build();
    return OnnxProtos.model("mos-synthetic", g);
  }

  private OnnxMl.ModelProto vjpGraph(boolean block1) {
    OnnxMl.ModelProto forward = graph(null);
    float area = (float) inputSize * inputSize;
    OnnxMl.GraphProto.Builder g =
        forward.getGraph().toBuilder()
            .setName("synthetic_vjp_logits")
            .addInput(OnnxProtos.floatValue(GradientGraphs.COTANGENT, "N", bias.length))
            .addInitializer(OnnxProtos.int64s("axes", 2, 3))
            .addInitializer(OnnxProtos.floats("per_pixel", List.of(1 / area)))
            .addNode(
                node("MatMul", "pull", "pulled").addInput(GradientGraphs.COTANGENT).addInput("W"))
            .addNode(node("Mul", "scale", "scaled").addInput("pulled").addInput("per_pixel"))
            .addNode(node("Shape", "shape", "input_shape").addInput("input"))
            .addNode(
                node("Unsqueeze", "unsqueeze", "column_grad").addInput("scaled").addInput("axes"))
            .addNode(
                node("Expand", "spread", block1 ? "logits_grad" : GradientGraphs.INPUT_GRADIENT)
                    .addInput("column_grad")
                    .addInput("input_shape"))
            .addOutput(
                OnnxProtos.floatValue(GradientGraphs.INPUT_GRADIENT, "N", 3, inputSize, inputSize));
    if (block1) {
      // d/dx of sum(c * mean_hw relu(x)) = c / (H W) where x > 0, else 0
      String cotangent = GradientGraphs.layerCotangent("block1");
      g.addInput(OnnxProtos.floatValue(cotangent, "M", 3))
          .addInitializer(OnnxProtos.floats("zero", List.of(0f)))
          .addNode(
              node("Mul", "block1_scale", "block1_scaled")
                  .addInput(cotangent)
                  .addInput("per_pixel"))
          .addNode(
              node("Unsqueeze", "block1_unsqueeze", "block1_column")
                  .addInput("block1_scaled")
                  .addInput("axes"))
          .addNode(node("Greater", "relu_active", "active_bool").addInput("input").addInput("zero"))
          .addNode(
              node("Cast", "relu_mask", "active")
                  .addInput("active_bool")
                  .addAttribute(OnnxProtos.castToFloat()))
          .addNode(
              node("Mul", "block1_pull", "block1_grad")
                  .addInput("active")
                  .addInput("block1_column"))
          .addNode(
              node("Add", "sum", GradientGraphs.INPUT_GRADIENT)
                  .addInput("logits_grad")
                  .addInput("block1_grad"));
    }
    return forward.toBuilder().setGraph(g).build();
  }

  private static OnnxMl.NodeProto.Builder node(String op, String name, String output) {
    return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
  }
}
