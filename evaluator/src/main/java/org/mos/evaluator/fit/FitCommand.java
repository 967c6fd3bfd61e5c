package org.mos.evaluator.fit;

import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.inference.Calibration;
import org.mos.evaluator.evaluate.Datasets;
import org.mos.evaluator.evaluate.TransportOptions;
import org.mos.evaluator.transport.MessagingTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mos fit}: fits KL, Mahalanobis and calibration statistics into a new bundle version. */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes a NEW version of a bundle (--out) with fitted statistics;",
      "the input bundle is never changed.",
      "  kl           class-mean softmax vectors (--kl-fit)",
      "  mahalanobis  class means, tied precision, combiner (--mahalanobis-*)",
      "  odin         the bundle's ODIN settings (--odin-eps, --odin-temperature)",
      "  knn          normalised feature bank, float32 .npy, memory-mapped (--knn-fit),",
      "               optionally with an HNSW index (--knn-index hnsw)",
      "  vim          origin, residual basis, alpha (--vim-fit)",
      "  calibration  ID scores per method: thresholds, p-values (--calibrate)",
      "DIR|LIST: a folder (an ImageFolder tree where labels are needed) or a list",
      "file ('path label', 'path group index_in_group').",
      "Images run in this process, or on a scorer (--scorer, --kafka, --transport",
      "messaging: logits and features come back with each score); --cache DIR keeps",
      "the outputs in chunks, so a rerun after an interruption continues where it stopped.",
    })
public class FitCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--bundle",
      required = true,
      paramLabel = "[NAME=]PATH",
      description =
          "Input bundle; over --scorer or --kafka, NAME is its model name on the scorer (default:"
              + " the folder name) and PATH its local copy (checked by checksum).")
  String bundleSpec;

  /** The input bundle's path ({@code --bundle}'s PATH). */
  Path bundle;

  /** The model's name on a remote scorer ({@code --bundle}'s NAME). */
  String modelName;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "New bundle folder.")
  Path out;

  @Option(names = "--replace", description = "Replace an existing --out.")
  boolean replace;

  @Option(
      names = "--paper",
      description =
          "The paper's choices: KL by true labels (give the ID test set as --kl-fit), Mahalanobis"
              + " on stem,block1-4, lr combiner on the first 500 validation images/negatives.")
  boolean paper;

  @Option(names = "--kl-fit", paramLabel = "DIR|LIST", description = "KL fit set.")
  Path klFit;

  @Option(
      names = "--kl-labels",
      paramLabel = "true|predicted",
      description = "Group the KL fit set by true labels (default) or predicted labels.")
  String klLabels;

  @Option(
      names = "--mahalanobis-fit",
      paramLabel = "DIR|LIST",
      description = "Labelled fit set of class means and precision (train images).")
  Path mahalanobisFit;

  @Option(
      names = "--mahalanobis-layers",
      split = ",",
      paramLabel = "NAME",
      description = "Graph outputs to use (default: those of stem,block1..block4 the bundle has).")
  List<String> mahalanobisLayers;

  @Option(
      names = "--mahalanobis-combiner",
      paramLabel = "lr|sum|single:LAYER",
      description =
          "lr (default): logistic regression, ID validation vs --mahalanobis-negatives;"
              + " sum / single:LAYER: no negatives needed.")
  String combiner;

  @Option(
      names = "--mahalanobis-validation",
      paramLabel = "DIR|LIST",
      description = "ID validation images for the combiner (labels not needed).")
  Path mahalanobisValidation;

  @Option(
      names = "--mahalanobis-negatives",
      paramLabel = "DIR|LIST",
      description = "OOD images the lr combiner learns as negatives (e.g. a held-out OOD set).")
  Path mahalanobisNegatives;

  @Option(
      names = "--mahalanobis-count",
      paramLabel = "N",
      description = "Images taken from the start of each combiner set (default 500).")
  Integer mahalanobisCount;

  @Option(
      names = "--mahalanobis-magnitude",
      paramLabel = "M",
      description =
          "Input perturbation magnitude (normalised input units, default 0): the combiner's"
              + " per-layer scores, and the new bundle's, are those of inputs perturbed towards"
              + " their closest class mean. Needs a bundle with gradient graphs.")
  Double mahalanobisMagnitude;

  @Option(
      names = "--mahalanobis-tune",
      description =
          "Tune the magnitude and the lr combiner as the paper: FGSM copies of the labelled"
              + " --mahalanobis-validation images are the negatives; the first N images train the"
              + " regression at each magnitude, the next N choose the magnitude (lowest FPR95)."
              + " Needs a bundle with gradient graphs.")
  boolean mahalanobisTune;

  @Option(
      names = "--mahalanobis-tune-magnitudes",
      split = ",",
      paramLabel = "M",
      description =
          "Magnitudes to try (default: the paper's 0,0.01,0.005,0.002,0.0014,0.001,0.0005).")
  List<Double> tuneMagnitudes;

  @Option(
      names = "--mahalanobis-fgsm-clamp",
      paramLabel = "reference|image",
      description =
          "Clamp the FGSM copies to [0, 1] as the reference does (default, although inputs are"
              + " normalised) or to the normalised range of [0, 1] pixels (image).")
  String fgsmClamp;

  @Option(
      names = "--odin-eps",
      paramLabel = "EPS",
      description =
          "ODIN's input perturbation the new bundle serves by default (requests may override it;"
              + " > 0 needs a bundle with gradient graphs). Its calibration scores use it.")
  Double odinEps;

  @Option(
      names = "--odin-temperature",
      paramLabel = "T",
      description = "ODIN's temperature the new bundle serves by default (the paper's: 1000).")
  Double odinTemperature;

  @picocli.CommandLine.Mixin FeatureSpaceFitOptions featureSpace = new FeatureSpaceFitOptions();

  @picocli.CommandLine.Mixin ShapingFitOptions shaping = new ShapingFitOptions();

  @Option(names = "--calibrate", paramLabel = "DIR|LIST", description = "ID calibration set.")
  Path calibrate;

  @Option(
      names = "--calibrate-methods",
      split = ",",
      paramLabel = "ID",
      description = "Methods to calibrate (default: all the new bundle supports).")
  List<String> calibrateMethods;

  @Option(
      names = "--data-root",
      paramLabel = "DIR",
      description = "Root of relative paths in list files (default: the list's folder).")
  Path dataRoot;

  @Option(
      names = "--batch-size",
      defaultValue = "16",
      paramLabel = "N",
      description = "Images per run (16).")
  int batchSize;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      paramLabel = "cpu|cuda",
      description = "cpu (default) or cuda.")
  String device;

  @Option(
      names = "--threads",
      defaultValue = "0",
      paramLabel = "N",
      description = "ONNX Runtime threads (0 = auto).")
  int threads;

  @Option(
      names = "--workers",
      defaultValue = "0",
      paramLabel = "N",
      description = "Decoding threads (0 = cores).")
  int workers;

  @picocli.CommandLine.Mixin TransportOptions transportOptions = new TransportOptions();

  @Inject MessagingTransports messaging;

  @Option(
      names = "--cache",
      paramLabel = "DIR",
      description =
          "Keep every pass's extracted outputs in DIR, in chunks written as they complete: run the"
              + " same command again after an interruption and it continues at the first missing"
              + " chunk (a changed bundle, preprocessing or image list is not reused).")
  Path cache;

  @Option(
      names = "--cache-chunk",
      defaultValue = "1024",
      paramLabel = "N",
      description = "Images per cached chunk (default ${DEFAULT-VALUE}).")
  int cacheChunk;

  @Option(
      names = "--on-bad-image",
      defaultValue = "skip",
      paramLabel = "skip|fail",
      description = "Skip and count unreadable images (default) or stop at the first.")
  String onBadImage;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Datasets.NamedPath named;
      try {
        named = Datasets.named(bundleSpec, "--bundle");
      } catch (IllegalArgumentException e) {
        throw FitException.usage(e.getMessage());
      }
      bundle = named.path();
      modelName = named.name();
      FitPlan plan = FitOptions.resolve(this);
      ExtractionPlan extraction = extraction(plan);
      o.println("mos fit: choices (" + (plan.paper() ? "paper" : "custom") + "):");
      plan.choices().forEach((k, v) -> o.println("  " + k + " = " + v));
      o.println(
          "  transport = "
              + extraction.transportName()
              + (extraction.remote() == null ? "" : " " + extraction.remote().where())
              + (cache == null ? "" : ", cache " + cache.toAbsolutePath().normalize()));
      o.flush();
      BundleManifest written = new BundleFitter(plan, extraction, o, err).run();
      o.println("mos fit: wrote " + plan.out().toAbsolutePath().normalize());
      // each statistic's files (calibration: its methods); settings without files: parameters
      new java.util.TreeMap<>(written.statistics())
          .forEach(
              (method, s) ->
                  o.println(
                      "  "
                          + method
                          + ": "
                          + (s.files().isEmpty()
                              ? new java.util.TreeMap<>(s.parameters())
                              : new java.util.TreeSet<>(
                                  method.equals(Calibration.STATISTICS_KEY)
                                      ? s.files().keySet()
                                      : s.files().values()))));
      o.flush();
      return 0;
    } catch (FitException e) {
      err.println("mos fit: " + e.getMessage());
      err.flush();
      return e.exitCode();
    } catch (IOException | RuntimeException e) {
      err.println("mos fit: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  /** The transport and the cache, checked. */
  private ExtractionPlan extraction(FitPlan plan) {
    TransportOptions.Remote remote;
    try {
      remote = transportOptions.remote(spec, messaging, plan.inference(), plan.batchSize());
    } catch (IllegalArgumentException e) {
      throw FitException.usage(e.getMessage());
    }
    if (cache != null && Files.exists(cache) && !Files.isDirectory(cache)) {
      throw FitException.usage("--cache " + cache + " is a file; give a folder");
    }
    return new ExtractionPlan(remote, modelName, cache, cacheChunk);
  }

  /** Whether {@code out} is the input bundle, inside it, or holds it. */
  boolean outOverlapsInput() {
    Path in = bundle.toAbsolutePath().normalize();
    Path o = out.toAbsolutePath().normalize();
    return o.startsWith(in) || in.startsWith(o) || (Files.exists(o) && sameFile(in, o));
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }
}
