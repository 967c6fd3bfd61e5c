package org.mos.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mos.common.bundle.BundleManifest;
import org.mos.trainer.export.BundleExport;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.imports.NpzWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code export}: a trainer checkpoint to a model bundle. The checkpoint holds parameters and step
 * only, so the architecture and the head's layout are given on the command line.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Export a trainer checkpoint (.npz) to a model bundle (ONNX + manifest)")
public class ExportCommand implements Callable<Integer> {

  @Option(
      names = "--checkpoint",
      required = true,
      description = "Checkpoint file, or a folder holding checkpoint.npz (or a single .npz)")
  Path checkpoint;

  @Option(
      names = "--training-config",
      description = "A file describing the training run, copied into the manifest's provenance")
  Path trainingConfig;

  @Mixin BundleOptions bundle;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try {
      return run();
    } catch (IOException | RuntimeException e) {
      // a clear one-line message; the stack trace only helps with bugs, not with bad input
      spec.commandLine().getErr().println("export failed: " + e.getMessage());
      return 1;
    }
  }

  private int run() throws IOException {
    Path file = resolve(checkpoint);
    NpzWeights.Loaded loaded = NpzWeights.readTrainerCheckpoint(file);
    ResNetV2Spec inferred = ResNetV2Spec.inferFrom(loaded.weights());
    ResNetV2Spec spec = ResNetV2Spec.parse(bundle.architecture, inferred.numLogits());
    spec.check(loaded.weights(), file.toString());
    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("source", "trainer checkpoint " + file.toAbsolutePath());
    provenance.put("step", loaded.step());
    if (trainingConfig != null) {
      provenance.put("training_config", Files.readString(trainingConfig));
    }
    BundleManifest written =
        new BundleExport(
                bundle.architecture,
                spec,
                loaded.weights(),
                bundle.layout(spec.numLogits()),
                bundle.inputSize,
                provenance)
            .write(bundle.out, bundle.zip, bundle.replace, !bundle.noGradientGraphs);
    System.out.printf(
        "wrote %s: %s, %d classes%s, step %d%n",
        bundle.out,
        written.architecture(),
        written.classNames().size(),
        written.isGrouped() ? " in " + written.groupSizes().size() + " groups" : " (flat)",
        loaded.step());
    return 0;
  }

  static Path resolve(Path checkpoint) throws IOException {
    if (!Files.isDirectory(checkpoint)) {
      return checkpoint;
    }
    Path named = checkpoint.resolve("checkpoint.npz");
    if (Files.isRegularFile(named)) {
      return named;
    }
    List<Path> npz;
    try (var list = Files.list(checkpoint)) {
      npz = list.filter(p -> p.toString().endsWith(".npz")).sorted().toList();
    }
    if (npz.size() != 1) {
      throw new IOException(
          checkpoint
              + " holds "
              + npz.size()
              + " .npz files "
              + npz
              + ": expected checkpoint.npz or exactly one; pass the file itself");
    }
    return npz.get(0);
  }
}
