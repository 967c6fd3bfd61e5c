package org.mos.trainer.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.onnx.ClassifierGraph;
import org.mos.common.onnx.OnnxGraphException;
import org.mos.common.onnx.OnnxImport;
import org.mos.common.onnx.OnnxModels;
import org.mos.trainer.export.autodiff.BundleGradients;
import org.mos.trainer.imports.OnnxBundle;

/** {@code import --onnx}: the options of {@link ImportCommand} turned into an imported bundle. */
final class OnnxImportRun {

  private final ImportCommand c;

  OnnxImportRun(ImportCommand command) {
    this.c = command;
  }

  int run() throws IOException {
    Path file = c.source.onnx;
    ModelProto model = OnnxModels.read(file);
    OnnxImport.Imported imported;
    ImportPreprocessing.Resolved pre;
    try {
      // the side the graph fixes decides the crop when --input-size does not
      ClassifierGraph found = ClassifierGraph.analyse(model, c.logitsOutput, c.featuresOutput);
      pre = c.preprocessing.resolve(c.bundle.inputSize, found.fixedSide());
      imported =
          OnnxImport.importModel(
              model, new OnnxImport.Options(c.logitsOutput, c.featuresOutput, pre.inputSize()));
    } catch (OnnxGraphException e) {
      throw new OnnxGraphException(file + ": " + e.getMessage(), e);
    }
    ImportClasses classes =
        ImportClasses.resolve(c.bundle.layout, c.bundle.classes, c.classOrder, imported.classes());
    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("source", "ONNX " + file.toAbsolutePath());
    provenance.put("preprocessing", pre.describe());
    if (classes.taxonomy() != null) {
      provenance.put("taxonomy_source", c.bundle.layout);
    }
    String name = file.getFileName().toString().replaceFirst("\\.onnx$", "");
    BundleGradients gradients =
        c.bundle.noGradientGraphs
            ? BundleGradients.none("--no-gradient-graphs was given")
            : BundleGradients.of(imported.graph());
    BundleManifest written =
        new OnnxBundle(
                c.bundle.architecture != null ? c.bundle.architecture : name,
                imported,
                pre.mean(),
                pre.std(),
                pre.preprocessing(),
                classes.layout(),
                classes.taxonomy(),
                gradients,
                provenance)
            .write(c.bundle.out, c.bundle.zip, c.bundle.replace);
    PrintWriter out = c.spec.commandLine().getOut();
    out.printf(
        "wrote %s: %s, %d classes%s%n",
        c.bundle.out,
        written.architecture(),
        written.classNames().size(),
        written.isGrouped() ? " in " + written.groupSizes().size() + " groups" : " (flat)");
    out.printf(
        "  graph: input '%s' -> input, logits '%s' -> logits, features '%s' (%d) -> features;"
            + " batch %s (checked: batches of 2 and 3 equal single images to %.2g)%n",
        imported.found().input(),
        imported.found().logits(),
        imported.found().features(),
        imported.featureDim(),
        imported.batchRewritten() ? "fixed at 1, rewritten to N" : "dynamic",
        imported.check().batchMismatch());
    out.printf(
        "  head: %s%n",
        imported.found().head() != null
            ? String.format(
                "logits = features W^T + b recomputed to %.2g (relative)",
                imported.check().headMismatch())
            : "not checked (the named features feed no constant linear layer)");
    out.printf("  preprocessing: %s%n", pre.describe());
    if (classes.taxonomy() != null) {
      out.printf(
          "  taxonomy: %d MOS groups of its classes in %s (for a new group head)%n",
          classes.taxonomy().numGroups(), org.mos.common.bundle.BundleTaxonomy.FILE);
    }
    out.printf("  %s%n", gradients.describe());
    out.flush();
    return 0;
  }
}
