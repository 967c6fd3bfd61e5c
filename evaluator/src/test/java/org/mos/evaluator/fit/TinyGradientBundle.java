package org.mos.evaluator.fit;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.inference.synthetic.OnnxProtos;
import org.mos.common.inference.synthetic.SyntheticBundle;

/**
 * A tiny non-linear bundle with a hand-written VJP graph, for the tuning tests: on the normalised
 * input x (N, 3, S, S), {@code stem = x * x} and {@code block1 = relu(x)} (spatially averaged by
 * the reader: 3 features each), {@code logits = mean(x) W^T + b}. The VJP graph takes cotangents
 * for the logits, stem and block1 and returns {@code (c W + 2 x c_stem + [x > 0] c_block1) / (S
 * S)}. scripts/fixtures/make_mahalanobis_tune_fixtures.py computes the same model's gradients by
 * PyTorch autograd.
 */
final class TinyGradientBundle {

  private TinyGradientBundle() {}

  /** Writes the bundle (with or without its VJP graph) for 3 classes. */
  static void write(Path target, int side, float[][] w, float[] b, boolean gradients)
      throws IOException {
    BundleWriter writer = BundleWriter.to(target).replaceExisting(true);
    byte[] forward = model(forward(side, w, b).build()).toByteArray();
    writer.write("model.onnx", o -> o.write(forward));
    BundleManifest manifest =
        SyntheticBundle.manifest(
            "tiny-gradient",
            side,
            List.of("x", "y", "z"),
            null,
            List.of("logits", "stem", "block1"),
            "TinyGradientBundle");
    if (gradients) {
      byte[] vjp = model(vjp(side, w, b)).toByteArray();
      writer.write("vjp_logits.onnx", o -> o.write(vjp));
      manifest = SyntheticBundle.withLogitsVjp(manifest);
    }
    writer.commit(manifest);
  }

  private static OnnxMl.GraphProto.Builder forward(int side, float[][] w, float[] b) {
    return OnnxMl.GraphProto.newBuilder()
        .setName("tiny")
        .addInput(OnnxProtos.floatValue("input", "N", 3, side, side))
        .addInitializer(OnnxProtos.floats("W", w))
        .addInitializer(OnnxProtos.floats("B", b))
        .addNode(node("Mul", "stem", "input", "input"))
        .addNode(node("Relu", "block1", "input"))
        .addNode(node("GlobalAveragePool", "gap", "input"))
        .addNode(node("Flatten", "features", "gap"))
        .addNode(node("Gemm", "logits", "features", "W", "B").addAttribute(OnnxProtos.transposeB()))
        .addOutput(OnnxProtos.floatValue("logits", "N", 3))
        .addOutput(OnnxProtos.floatValue("stem", "N", 3, side, side))
        .addOutput(OnnxProtos.floatValue("block1", "N", 3, side, side));
  }

  private static OnnxMl.GraphProto vjp(int side, float[][] w, float[] b) {
    String stem = GradientGraphs.layerCotangent("stem");
    String block1 = GradientGraphs.layerCotangent("block1");
    return forward(side, w, b)
        .setName("tiny_vjp_logits")
        .addInput(OnnxProtos.floatValue(GradientGraphs.COTANGENT, "N", 3))
        .addInput(OnnxProtos.floatValue(stem, "rows_stem", 3))
        .addInput(OnnxProtos.floatValue(block1, "rows_block1", 3))
        .addInitializer(OnnxProtos.int64s("axes", 2, 3))
        .addInitializer(OnnxProtos.floats("per_pixel", List.of(1f / (side * side))))
        .addInitializer(OnnxProtos.floats("two", List.of(2f)))
        .addInitializer(OnnxProtos.floats("zero", List.of(0f)))
        // logits: c W / (S S), the same for every pixel of a channel
        .addNode(node("MatMul", "pulled", GradientGraphs.COTANGENT, "W"))
        .addNode(node("Mul", "pulled_px", "pulled", "per_pixel"))
        .addNode(node("Unsqueeze", "logits_grad", "pulled_px", "axes"))
        // stem = x * x: 2 x c_stem / (S S)
        .addNode(node("Mul", "stem_px", stem, "per_pixel"))
        .addNode(node("Unsqueeze", "stem_col", "stem_px", "axes"))
        .addNode(node("Mul", "two_x", "input", "two"))
        .addNode(node("Mul", "stem_grad", "two_x", "stem_col"))
        // block1 = relu(x): [x > 0] c_block1 / (S S)
        .addNode(node("Mul", "block1_px", block1, "per_pixel"))
        .addNode(node("Unsqueeze", "block1_col", "block1_px", "axes"))
        .addNode(node("Greater", "positive", "input", "zero"))
        .addNode(node("Cast", "mask", "positive").addAttribute(OnnxProtos.castToFloat()))
        .addNode(node("Mul", "block1_grad", "mask", "block1_col"))
        .addNode(node("Add", "layers_grad", "stem_grad", "block1_grad"))
        .addNode(node("Add", GradientGraphs.INPUT_GRADIENT, "layers_grad", "logits_grad"))
        .addOutput(OnnxProtos.floatValue(GradientGraphs.INPUT_GRADIENT, "N", 3, side, side))
        .build();
  }

  private static OnnxMl.ModelProto model(OnnxMl.GraphProto graph) {
    return OnnxProtos.model("mos-test", graph);
  }

  /** A node named after its output. */
  private static OnnxMl.NodeProto.Builder node(String op, String output, String... inputs) {
    OnnxMl.NodeProto.Builder n =
        OnnxMl.NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
    for (String in : inputs) {
      n.addInput(in);
    }
    return n;
  }
}
