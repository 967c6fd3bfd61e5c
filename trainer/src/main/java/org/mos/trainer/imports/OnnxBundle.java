package org.mos.trainer.imports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleTaxonomy;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.io.AtomicFiles;
import org.mos.common.layout.GroupLayout;
import org.mos.common.onnx.BundleGraph;
import org.mos.common.onnx.OnnxImport;
import org.mos.trainer.export.BundleClasses;
import org.mos.trainer.export.BundleExport;
import org.mos.trainer.export.autodiff.BundleGradients;

/**
 * The bundle of an imported ONNX classifier ({@code mos import --onnx}): the rewritten graph as
 * {@code model.onnx} (outputs {@code logits} and {@code features}), {@code class_table.tsv}, the
 * taxonomy of a flat head given a class table ({@link BundleTaxonomy}), and a manifest with the
 * preprocessing the user gave and, in its provenance, what import found and measured.
 *
 * @param architecture the manifest's architecture name
 * @param imported the imported graph
 * @param mean normalisation mean
 * @param std normalisation std
 * @param preprocessing the manifest's preprocessing (null: square bilinear resize)
 * @param layout the head's layout
 * @param taxonomy the MOS groups of a flat head's classes, or null
 * @param provenance origin: the source file and whatever the caller adds
 */
public record OnnxBundle(
    String architecture,
    OnnxImport.Imported imported,
    List<Double> mean,
    List<Double> std,
    BundleManifest.Preprocessing preprocessing,
    GroupLayout layout,
    GroupLayout taxonomy,
    BundleGradients gradients,
    Map<String, Object> provenance) {

  /** Writes the bundle folder {@code out}, or with {@code zip} one zip file. */
  public BundleManifest write(Path out, boolean zip, boolean replace) throws IOException {
    BundleClasses classes = BundleClasses.of(layout, imported.classes());
    Map<String, Object> origin = new LinkedHashMap<>(provenance);
    origin.put("exporter", "mos import --onnx (graph rewritten by org.mos.common.onnx)");
    origin.put("import", findings());
    origin.put(
        "class_order",
        "bundle class i = i-th class logit, 'others' skipped; see " + BundleClasses.CLASS_TABLE);
    origin.put("gradient_graphs", gradients.describe());
    Map<String, BundleManifest.Statistics> statistics = new LinkedHashMap<>();
    if (gradients.built()) {
      statistics.put(gradients.statistics().getKey(), gradients.statistics().getValue());
    }
    if (taxonomy != null) {
      statistics.put(BundleTaxonomy.STATISTICS_KEY, BundleTaxonomy.statistics(taxonomy));
    }
    BundleManifest manifest =
        new BundleManifest(
            BundleManifest.SCHEMA_VERSION,
            architecture,
            imported.inputSize(),
            mean,
            std,
            preprocessing,
            classes.names(),
            classes.groupSizes(),
            List.of(BundleGraph.LOGITS, BundleGraph.FEATURES),
            statistics,
            origin,
            null);
    if (!zip) {
      return writer(out, replace, classes).commit(manifest);
    }
    if (Files.exists(out) && !replace) {
      throw new IOException(out + " already exists (choose another --out or replace it)");
    }
    Path staging = AtomicFiles.newStagingDirectory(out);
    try {
      BundleManifest written = writer(staging.resolve("bundle"), false, classes).commit(manifest);
      BundleWriter.zip(staging.resolve("bundle"), out);
      return written;
    } finally {
      AtomicFiles.deleteTree(staging);
    }
  }

  private BundleWriter writer(Path dir, boolean replace, BundleClasses classes) {
    BundleWriter w =
        BundleWriter.to(dir)
            .replaceExisting(replace)
            .write(BundleExport.MODEL_FILE, imported.graph()::writeTo)
            .write(BundleClasses.CLASS_TABLE, o -> o.write(classes.classTable()));
    if (taxonomy != null) {
      w.write(BundleTaxonomy.FILE, o -> o.write(BundleTaxonomy.classTable(taxonomy)));
    }
    return gradients.addTo(w);
  }

  /** What import found in the graph and measured, for the provenance. */
  private Map<String, Object> findings() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("input", imported.found().input());
    f.put("logits", imported.found().logits());
    f.put("features", imported.found().features());
    f.put("classes", imported.classes());
    f.put("feature_length", imported.featureDim());
    f.put(
        "batch",
        imported.batchRewritten() ? "fixed batch of 1 rewritten to symbolic N" : "dynamic");
    f.put("batch_check_relative_difference", imported.check().batchMismatch());
    if (imported.found().head() != null) {
      f.put("head_check_relative_mismatch", imported.check().headMismatch());
    } else {
      f.put("head_check", "not checked: --features-output names features no constant layer maps");
    }
    return f;
  }
}
