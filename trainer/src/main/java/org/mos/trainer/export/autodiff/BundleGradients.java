package org.mos.trainer.export.autodiff;

import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.inference.GradientGraphs;
import org.mos.trainer.export.VjpExporter;

/**
 * The gradient graphs of a bundle written from a foreign (imported or re-headed) graph: built by
 * {@link GradientGraphBuilder}, or the reason there are none. One place says how they enter a
 * bundle: the files {@code vjp_logits.onnx} and {@code odin_gradient.onnx}, the manifest's
 * statistics entry {@value GradientGraphs#STATISTICS_KEY}, and a provenance line.
 *
 * @param result what the builder returned
 */
public record BundleGradients(GradientGraphBuilder.Result result) {

  /**
   * Builds the gradient graphs of a bundle's forward graph (inputs {@code input}, outputs {@code
   * logits} and {@code features}).
   */
  public static BundleGradients of(ai.onnx.proto.OnnxMl.ModelProto forward) {
    return new BundleGradients(GradientGraphBuilder.build(forward));
  }

  /** No gradient graphs, for the reason given (e.g. the user asked for none). */
  public static BundleGradients none(String why) {
    return new BundleGradients(GradientGraphBuilder.Result.refused(why));
  }

  /** Whether both graphs were built. */
  public boolean built() {
    return result.vjpLogits().isPresent() && result.odinGradient().isPresent();
  }

  /** The manifest statistics entry naming the graphs, or null when there are none. */
  public Map.Entry<String, BundleManifest.Statistics> statistics() {
    if (!built()) {
      return null;
    }
    return Map.entry(
        GradientGraphs.STATISTICS_KEY,
        new BundleManifest.Statistics(
            Map.of(
                GradientGraphs.LOGITS, VjpExporter.VJP_LOGITS_FILE,
                GradientGraphs.ODIN, VjpExporter.ODIN_GRADIENT_FILE),
            Map.of()));
  }

  /** Adds the graph files to a bundle being written (nothing when there are none). */
  public BundleWriter addTo(BundleWriter writer) {
    if (built()) {
      writer
          .write(VjpExporter.VJP_LOGITS_FILE, result.vjpLogits().get()::writeTo)
          .write(VjpExporter.ODIN_GRADIENT_FILE, result.odinGradient().get()::writeTo);
    }
    return writer;
  }

  /** What the provenance and the command's output say about them. */
  public String describe() {
    if (built()) {
      return "gradient graphs built by reverse-mode differentiation of the graph"
          + " (vjp_logits.onnx, odin_gradient.onnx): ODIN with epsilon > 0 and perturbed"
          + " Mahalanobis work on this bundle";
    }
    return "no gradient graphs: "
        + result.unsupported().orElse("not built")
        + "; ODIN with epsilon > 0 and Mahalanobis with a magnitude > 0 are not available for this"
        + " bundle (every method on logits and features is)";
  }
}
