package org.mos.trainer.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.io.AtomicFiles;
import org.mos.common.layout.GroupLayout;

/**
 * Exports weights to a model bundle: {@code model.onnx} (see {@link OnnxExporter}), the gradient
 * graphs {@code vjp_logits.onnx} and {@code odin_gradient.onnx} (see {@link VjpExporter}, listed
 * under the manifest's statistics entry {@code input_gradients}), {@code class_table.tsv} (see
 * {@link BundleClasses}) and {@code manifest.json}, written atomically by {@link BundleWriter};
 * optionally packed into one zip.
 *
 * @param architecture the manifest's architecture name, e.g. {@code BiT-S-R101x1}
 * @param spec the network's shape (checked against the weights)
 * @param weights the parameters by BiT key
 * @param layout the head's class layout
 * @param inputSize the square input side the preprocessing produces
 * @param provenance origin of the weights (source, step, training configuration)
 */
public record BundleExport(
    String architecture,
    ResNetV2Spec spec,
    WeightMap weights,
    GroupLayout layout,
    int inputSize,
    Map<String, Object> provenance) {

  /** BiT's normalisation: (x - 0.5) / 0.5 per channel. */
  public static final List<Double> BIT_MEAN = List.of(0.5, 0.5, 0.5);

  public static final List<Double> BIT_STD = List.of(0.5, 0.5, 0.5);

  /** The graph's file name in a bundle. */
  public static final String MODEL_FILE = "model.onnx";

  public BundleExport {
    // ResNetV2 halves the side five times; 16 pixels still leave a 1 x 1 map after the last block
    if (inputSize < 16) {
      throw new IllegalArgumentException("input size must be at least 16 pixels, got " + inputSize);
    }
    provenance = Map.copyOf(provenance);
  }

  /**
   * Writes the bundle folder {@code out}, or, with {@code zip}, the single file {@code out}.
   *
   * @return the manifest as written
   */
  public BundleManifest write(Path out, boolean zip, boolean replace) throws IOException {
    return write(out, zip, replace, true);
  }

  /**
   * As {@link #write(Path, boolean, boolean)}; without {@code gradientGraphs} the bundle holds
   * {@code model.onnx} only (a third of the size, no ODIN input perturbation).
   */
  public BundleManifest write(Path out, boolean zip, boolean replace, boolean gradientGraphs)
      throws IOException {
    BundleClasses classes = BundleClasses.of(layout, spec.numLogits());
    ModelProto model = OnnxExporter.export(spec, weights);
    ModelProto vjp = gradientGraphs ? VjpExporter.vjpLogits(spec, weights) : null;
    ModelProto odin = gradientGraphs ? VjpExporter.odinGradient(spec, weights) : null;
    Map<String, Object> origin = new LinkedHashMap<>(provenance);
    origin.put("exporter", "mos-trainer OnnxExporter, ONNX opset " + OnnxExporter.OPSET);
    origin.put(
        "class_order",
        "bundle class i = i-th class logit, 'others' skipped; see " + BundleClasses.CLASS_TABLE);
    BundleManifest manifest =
        new BundleManifest(
            BundleManifest.SCHEMA_VERSION,
            architecture,
            inputSize,
            BIT_MEAN,
            BIT_STD,
            classes.names(),
            classes.groupSizes(),
            OnnxExporter.OUTPUTS,
            gradientGraphs
                ? Map.of(
                    GradientGraphs.STATISTICS_KEY,
                    new BundleManifest.Statistics(
                        Map.of(
                            GradientGraphs.LOGITS, VjpExporter.VJP_LOGITS_FILE,
                            GradientGraphs.ODIN, VjpExporter.ODIN_GRADIENT_FILE),
                        Map.of()))
                : null,
            origin,
            null);
    if (!zip) {
      return writer(out, replace, model, vjp, odin, classes).commit(manifest);
    }
    if (Files.exists(out) && !replace) {
      throw new IOException(out + " already exists (choose another --out or replace it)");
    }
    Path staging = AtomicFiles.newStagingDirectory(out);
    try {
      BundleManifest written =
          writer(staging.resolve("bundle"), false, model, vjp, odin, classes).commit(manifest);
      BundleWriter.zip(staging.resolve("bundle"), out);
      return written;
    } finally {
      AtomicFiles.deleteTree(staging);
    }
  }

  private static BundleWriter writer(
      Path dir,
      boolean replace,
      ModelProto model,
      ModelProto vjp,
      ModelProto odin,
      BundleClasses classes) {
    BundleWriter writer =
        BundleWriter.to(dir).replaceExisting(replace).write(MODEL_FILE, model::writeTo);
    if (vjp != null) {
      writer
          .write(VjpExporter.VJP_LOGITS_FILE, vjp::writeTo)
          .write(VjpExporter.ODIN_GRADIENT_FILE, odin::writeTo);
    }
    return writer.write(BundleClasses.CLASS_TABLE, o -> o.write(classes.classTable()));
  }
}
