package org.mos.trainer.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.export.BundleExport;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.imports.NpzWeights;
import org.mos.trainer.imports.PaperKeys;
import org.mos.trainer.imports.TorchCheckpoint;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code import}: released weights (BiT .npz, the MOS paper's PyTorch checkpoints) or any ONNX
 * image classifier to a bundle.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    customSynopsis = {
      "mos import (--bit-npz FILE | --torch-checkpoint FILE) --arch NAME [--layout flat|SIZES|FILE]"
          + " [--classes FILE] [--input-size N] --out BUNDLE [--zip] [--replace]"
          + " [--no-gradient-graphs]",
      "mos import --onnx FILE --layout flat|SIZES|TSV [--classes FILE] [--class-order"
          + " sorted|flat-index] [--preset torchvision|bit] [--input-size N] [--resize N]"
          + " [--interpolation bilinear|bicubic] [--mean R,G,B] [--std R,G,B] [--logits-output"
          + " NAME] [--features-output NAME] [--arch NAME] --out BUNDLE [--zip] [--replace]"
          + " [--no-gradient-graphs]"
    },
    description =
        "Import BiT .npz weights, a MOS paper PyTorch checkpoint or an ONNX image classifier into"
            + " a model bundle (ONNX + manifest); --layout is required for --torch-checkpoint and"
            + " --onnx, --arch for --bit-npz and --torch-checkpoint")
public class ImportCommand implements Callable<Integer> {

  @ArgGroup(multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--bit-npz", description = "BiT weights (.npz, e.g. BiT-S-R101x1.npz)")
    Path bitNpz;

    @Option(
        names = "--torch-checkpoint",
        description = "A torch.save checkpoint with 'model' (and 'step'), as the paper released")
    Path torchCheckpoint;

    @Option(
        names = "--onnx",
        description =
            "Any ONNX image classifier (one float input N,3,H,W; logits from a final Gemm or"
                + " MatMul(+Add)); see docs/import.md")
    Path onnx;
  }

  @Mixin ImportPreprocessing preprocessing;

  @Option(
      names = "--logits-output",
      description =
          "import --onnx: the tensor holding the logits (default: the graph's single output)")
  String logitsOutput;

  @Option(
      names = "--features-output",
      description =
          "import --onnx: the penultimate features tensor (default: the input of the final"
              + " linear layer)")
  String featuresOutput;

  @Option(
      names = "--class-order",
      description =
          "import --onnx, flat head named by a class table: the logits follow the names' sorted"
              + " order (torchvision's ImageNet models) or the table's flat_index (sorted |"
              + " flat-index)")
  String classOrder;

  @Mixin BundleOptions bundle;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    // picocli answers a ParameterException from here as bad usage: the message, usage, exit 2
    if (source.onnx != null) {
      return importOnnx();
    }
    if (preprocessing.anyGiven()
        || logitsOutput != null
        || featuresOutput != null
        || classOrder != null) {
      throw new ParameterException(
          spec.commandLine(),
          "--preset, --resize, --interpolation, --mean, --std, --logits-output, --features-output"
              + " and --class-order apply to --onnx only");
    }
    if (bundle.architecture == null) {
      throw new ParameterException(
          spec.commandLine(),
          "Missing required option: '--arch=<architecture>' (weights do not say which"
              + " architecture they are)");
    }
    if (bundle.layout == null && source.torchCheckpoint != null) {
      // weights do not say whether a head is a group softmax: flat would misread the group ones
      throw new ParameterException(
          spec.commandLine(),
          "Missing required option: '--layout=<layout>' with --torch-checkpoint (flat, group"
              + " sizes or a class table)");
    }
    try {
      return run();
    } catch (IOException | RuntimeException e) {
      // a clear one-line message; the stack trace only helps with bugs, not with bad input
      spec.commandLine().getErr().println("import failed: " + e.getMessage());
      return 1;
    }
  }

  private int importOnnx() {
    if (bundle.layout == null) {
      // a head of C + K logits may be a group softmax or a flat one: the graph does not say
      throw new ParameterException(
          spec.commandLine(),
          "Missing required option: '--layout=<layout>' with --onnx (flat, group sizes or a class"
              + " table)");
    }
    try {
      return new OnnxImportRun(this).run();
    } catch (IOException | RuntimeException e) {
      spec.commandLine().getErr().println("import failed: " + e.getMessage());
      return 1;
    }
  }

  private int run() throws IOException {
    WeightMap weights;
    long step = -1;
    Map<String, Object> provenance = new LinkedHashMap<>();
    Path file;
    if (source.bitNpz != null) {
      file = source.bitNpz;
      weights = NpzWeights.readBit(file);
      provenance.put("source", "BiT npz " + file.toAbsolutePath());
    } else {
      file = source.torchCheckpoint;
      TorchCheckpoint checkpoint = TorchCheckpoint.read(file);
      try {
        weights = PaperKeys.toWeights(checkpoint.state());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
      step = checkpoint.step();
      provenance.put("source", "PyTorch checkpoint " + file.toAbsolutePath());
      provenance.put("step", step);
    }
    ResNetV2Spec inferred = ResNetV2Spec.inferFrom(weights);
    ResNetV2Spec spec = ResNetV2Spec.parse(bundle.architecture, inferred.numLogits());
    if (source.torchCheckpoint != null) {
      spec.check(weights, file.toString(), k -> "module." + PaperKeys.toPaperKey(k));
    } else {
      spec.check(weights, file.toString());
    }
    BundleManifest written =
        new BundleExport(
                bundle.architecture,
                spec,
                weights,
                // BiT's released heads are flat softmax classifiers
                bundle.layout(spec.numLogits(), GroupLayout.flat(spec.numLogits())),
                bundle.inputSize(BundleOptions.DEFAULT_INPUT_SIZE),
                provenance)
            .write(bundle.out, bundle.zip, bundle.replace, !bundle.noGradientGraphs);
    System.out.printf(
        "wrote %s: %s, %d classes%s%n",
        bundle.out,
        written.architecture(),
        written.classNames().size(),
        written.isGrouped() ? " in " + written.groupSizes().size() + " groups" : " (flat)");
    return 0;
  }
}
