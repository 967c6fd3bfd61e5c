package org.mos.trainer.head;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.layout.GroupLayout;
import org.mos.common.onnx.OnnxModels;
import org.mos.trainer.export.BundleClasses;
import org.mos.trainer.export.autodiff.BundleGradients;

/**
 * Writes a trained head on its backbone as a new bundle: {@code model.onnx} is the backbone's graph
 * with the head replaced ({@link HeadGraph}), {@code class_table.tsv} lists the new classes ({@link
 * BundleClasses}), and the manifest keeps the backbone's architecture, input size, normalisation,
 * preprocessing and outputs, with the new classes and group layout. Fitted statistics and gradient
 * graphs of the backbone do not carry over (they belong to its head); the provenance says so.
 */
public final class HeadBundleExport {

  /** The graph's file name in a bundle. */
  public static final String MODEL_FILE = "model.onnx";

  private HeadBundleExport() {}

  /**
   * Writes the bundle folder {@code target} (replacing one there).
   *
   * @param layout the head's class layout (group or flat) in label order
   * @param weight W, row-major (logits x dim), logits in the layout's order
   * @param bias b
   * @param provenance the training's settings; the backbone's origin is added
   * @return the manifest as written
   */
  public static BundleManifest write(
      ModelBundle backbone,
      GroupLayout layout,
      float[] weight,
      float[] bias,
      Map<String, Object> provenance,
      Path target)
      throws IOException {
    BundleManifest source = backbone.manifest();
    ModelProto graph =
        HeadGraph.attach(OnnxModels.read(backbone.model()), BundleModel.LOGITS, weight, bias);
    BundleClasses classes = BundleClasses.of(layout, bias.length);
    Map<String, Object> origin = new LinkedHashMap<>(provenance);
    origin.put("backbone", backbone.source().toString());
    origin.put("backbone_checksum", backbone.checksum());
    origin.put("backbone_provenance", source.provenance());
    BundleGradients gradients = BundleGradients.of(graph);
    origin.put("gradient_graphs", gradients.describe());
    origin.put(
        "class_order",
        "bundle class i = i-th class logit, 'others' skipped; see " + BundleClasses.CLASS_TABLE);
    BundleManifest manifest =
        new BundleManifest(
            BundleManifest.SCHEMA_VERSION,
            source.architecture(),
            source.inputSize(),
            source.mean(),
            source.std(),
            source.preprocessing(),
            classes.names(),
            classes.groupSizes(),
            source.outputs(),
            gradients.built()
                ? Map.of(gradients.statistics().getKey(), gradients.statistics().getValue())
                : null,
            origin,
            null);
    BundleWriter writer =
        BundleWriter.to(target)
            .replaceExisting(true)
            .write(MODEL_FILE, graph::writeTo)
            .write(BundleClasses.CLASS_TABLE, o -> o.write(classes.classTable()));
    return gradients.addTo(writer).commit(manifest);
  }
}
