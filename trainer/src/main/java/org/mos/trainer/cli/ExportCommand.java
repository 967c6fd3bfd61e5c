package org.mos.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.export.BundleExport;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.imports.NpzWeights;
import org.mos.trainer.train.RunModel;
import org.mos.trainer.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code export}: a trainer checkpoint to a model bundle. A checkpoint holds parameters and step
 * only; the architecture, the head's layout with its class names and the input size come from the
 * training run's {@code model.json} next to it ({@link RunModel}), or from the command line, which
 * overrides the run where it agrees with the weights and fails naming both values where it does
 * not.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Export a trainer checkpoint (.npz) to a model bundle (ONNX + manifest); a training run's"
            + " folder supplies architecture, layout, class names and input size")
public class ExportCommand implements Callable<Integer> {

  @Option(
      names = "--checkpoint",
      required = true,
      description =
          "A training run's folder (checkpoint.npz, model.json), a checkpoint file, or a folder"
              + " holding a single .npz")
  Path checkpoint;

  @Option(
      names = "--training-config",
      description =
          "A file describing the training run, copied into the manifest's provenance (default:"
              + " the run's spec.json)")
  Path trainingConfig;

  @Mixin BundleOptions bundle;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Path runDir = runFolder(checkpoint);
    RunModel run;
    try {
      run = RunModel.read(runDir).orElse(null);
    } catch (IOException e) {
      spec.commandLine().getErr().println("export failed: " + e.getMessage());
      return 1;
    }
    if (run == null) {
      require("--arch=<architecture>", bundle.architecture, runDir);
      require("--layout=<layout>", bundle.layout, runDir);
    }
    try {
      return run(run, runDir);
    } catch (IOException | RuntimeException e) {
      // a clear one-line message; the stack trace only helps with bugs, not with bad input
      spec.commandLine().getErr().println("export failed: " + e.getMessage());
      return 1;
    }
  }

  /** Without a run's model an option is required; picocli answers this as bad usage (exit 2). */
  private void require(String option, String value, Path runDir) {
    if (value == null) {
      throw new ParameterException(
          spec.commandLine(),
          "Missing required option: '"
              + option
              + "' ("
              + runDir.resolve(RunModel.FILE)
              + " does not exist: give the training run's folder, or the option)");
    }
  }

  private int run(RunModel run, Path runDir) throws IOException {
    Path file = resolve(checkpoint);
    NpzWeights.Loaded loaded = NpzWeights.readTrainerCheckpoint(file);
    int numLogits = ResNetV2Spec.inferFrom(loaded.weights()).numLogits();
    String architecture = architecture(run, runDir, numLogits);
    ResNetV2Spec shape = ResNetV2Spec.parse(architecture, numLogits);
    shape.check(loaded.weights(), file.toString());
    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("source", "trainer checkpoint " + file.toAbsolutePath());
    provenance.put("step", loaded.step());
    Path config = trainingConfig;
    if (config == null && run != null && Files.isRegularFile(runDir.resolve(TrainingRun.SPEC))) {
      config = runDir.resolve(TrainingRun.SPEC);
    }
    if (config != null) {
      provenance.put("training_config", Files.readString(config));
    }
    BundleManifest written =
        new BundleExport(
                architecture,
                shape,
                loaded.weights(),
                layout(run, runDir, numLogits),
                bundle.inputSize(run != null ? run.inputSize() : BundleOptions.DEFAULT_INPUT_SIZE),
                provenance)
            .write(bundle.out, bundle.zip, bundle.replace, !bundle.noGradientGraphs);
    System.out.printf(
        "wrote %s: %s, %d classes%s, input %d px, step %d%n",
        bundle.out,
        written.architecture(),
        written.classNames().size(),
        written.isGrouped() ? " in " + written.groupSizes().size() + " groups" : " (flat)",
        written.inputSize(),
        loaded.step());
    return 0;
  }

  /** {@code --arch}, else the run's; a {@code --arch} of another shape than the run's fails. */
  private String architecture(RunModel run, Path runDir, int numLogits) {
    if (bundle.architecture == null) {
      return run.architecture();
    }
    if (run != null) {
      ResNetV2Spec given = ResNetV2Spec.parse(bundle.architecture, numLogits);
      ResNetV2Spec trained = ResNetV2Spec.parse(run.architecture(), numLogits);
      if (!Arrays.equals(given.units(), trained.units())
          || given.stemWidth() != trained.stemWidth()) {
        throw new IllegalArgumentException(
            "--arch "
                + bundle.architecture
                + " ("
                + describe(given)
                + ") but the training run "
                + runDir
                + " trained "
                + run.architecture()
                + " ("
                + describe(trained)
                + ")");
      }
    }
    return bundle.architecture;
  }

  /**
   * {@code --layout}, else the run's head; a {@code --layout} of another shape than the run's head
   * fails, one without class names takes the run's.
   */
  private GroupLayout layout(RunModel run, Path runDir, int numLogits) throws IOException {
    if (run == null) {
      return bundle.layout(numLogits, null);
    }
    GroupLayout trained = run.layout();
    if (bundle.layout == null) {
      return bundle.layout(numLogits, trained);
    }
    GroupLayout given = bundle.givenLayout(numLogits);
    if (given.isFlat() != trained.isFlat()
        || !Arrays.equals(given.groupSizes(), trained.groupSizes())) {
      throw new IllegalArgumentException(
          "--layout "
              + bundle.layout
              + " ("
              + describe(given)
              + ") but the training run "
              + runDir
              + " trained a head of "
              + describe(trained));
    }
    return bundle.layout(
        numLogits,
        given.classNames().isEmpty() && !trained.classNames().isEmpty()
            ? given.withClassNames(trained.classNames())
            : given);
  }

  private static String describe(ResNetV2Spec shape) {
    return "units " + Arrays.toString(shape.units()) + ", stem width " + shape.stemWidth();
  }

  private static String describe(GroupLayout layout) {
    return layout.isFlat()
        ? layout.numClasses() + " classes, flat"
        : layout.numClasses() + " classes in group sizes " + Arrays.toString(layout.groupSizes());
  }

  /** The folder a training run wrote {@code checkpoint}'s file in. */
  static Path runFolder(Path checkpoint) {
    if (Files.isDirectory(checkpoint)) {
      return checkpoint;
    }
    Path parent = checkpoint.toAbsolutePath().getParent();
    return parent != null ? parent : checkpoint.toAbsolutePath();
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
