package org.mos.trainer.demo;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.Sample;
import org.mos.common.data.demo.DemoBenchmark;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.config.OneDnnCpuGuard;
import org.mos.trainer.export.BundleExport;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.model.ResNetV2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mos demo}, the whole pipeline: writes the built-in benchmark, trains a group-softmax and a
 * flat-softmax ResNetV2 on the CPU and exports both as model bundles, then runs the evaluator's
 * {@code fit} and {@code evaluate} on those bundles ({@link DemoEvaluation}), exactly as a user
 * would, through the evaluator's jar that {@value EvaluatorJar#PROPERTY} names ({@code ./mos demo}
 * builds it and sets the property).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline on the built-in benchmark (no downloads): write the data, train a"
          + " group-softmax and a flat-softmax ResNetV2 on the CPU and export them as bundles;"
          + " then fit the baselines' statistics and calibration on the validation set (mos fit)"
          + " and evaluate MOS against MSP, ODIN (input perturbation eps 0.0014, T 1000), Energy,"
          + " MaxLogit, KL matching and Mahalanobis on the near- and far-OOD sets (mos evaluate).",
      "Writes OUT/data/ (the benchmark, reused when present), OUT/bundles/{group,flat} and"
          + " their fitted copies {group,flat}-fitted, and OUT/report/ (results.{md,json,csv},"
          + " plots, report.html).",
      "The fit and evaluate steps run the evaluator's jar, named by -D"
          + EvaluatorJar.PROPERTY
          + " (./mos demo builds it and sets it)."
    })
public class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-o", "--out"},
      defaultValue = "demo-out",
      description = "Output folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--source",
      defaultValue = "generated",
      description =
          "generated, or fashion-mnist when the Debian package dataset-fashion-mnist is"
              + " installed (default: ${DEFAULT-VALUE}).")
  String source;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of data and training.")
  long seed;

  @Option(
      names = "--scale",
      defaultValue = "1.0",
      description = "Factor for the benchmark's image counts (default: ${DEFAULT-VALUE}).")
  double scale;

  @Option(
      names = "--steps",
      defaultValue = "600",
      description = "Optimiser steps per model (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--batch",
      defaultValue = "32",
      description = "Images per step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--lr",
      defaultValue = "0.01",
      description =
          "Peak learning rate; the models train from scratch, so higher than BiT's finetuning"
              + " rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "Image decoding threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--torch-threads",
      defaultValue = "1",
      description =
          "libtorch intra-op threads (default: ${DEFAULT-VALUE}: the demo's small tensors gain"
              + " little from more, and OpenMP threads that wait on a busy machine lose a lot).")
  int torchThreads;

  @Option(
      names = "--mahalanobis-tune",
      description =
          "Fit Mahalanobis the paper's way in the fit step: five layers, input perturbation and"
              + " combiner tuned on FGSM copies of 150+150 validation images, read in a fixed mixed"
              + " order (mos fit --mahalanobis-tune; under a minute more). Default: pre-logit"
              + " layer only.")
  boolean mahalanobisTune;

  @Override
  public Integer call() throws Exception {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true"); // never download anything at run time
    }
    if (steps < 1 || batch < 1 || !(learningRate > 0) || threads < 1 || torchThreads < 1) {
      err("--steps, --batch, --lr, --threads and --torch-threads must be positive");
      return 2;
    }
    EvaluatorJar evaluator;
    try {
      evaluator = EvaluatorJar.fromSystemProperty(); // before training, not minutes later
    } catch (IllegalArgumentException e) {
      err(e.getMessage());
      return 2;
    }
    // Read by DJL's PyTorch engine when it starts, i.e. at the first NDManager below.
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(torchThreads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    OneDnnCpuGuard.logDecision();
    long start = System.nanoTime();
    Path data = out.resolve("data");
    DemoBenchmark.Source src;
    try {
      src = DemoBenchmark.Source.of(source);
    } catch (IllegalArgumentException e) {
      err(e.getMessage());
      return 2;
    }
    if (Files.isRegularFile(data.resolve("taxonomy.tsv"))) {
      log("[1/4] reusing the benchmark in %s", data);
    } else {
      log("[1/4] writing the %s benchmark to %s", source, data);
      DemoBenchmark.builder()
          .setOut(data)
          .optSource(src)
          .optSeed(seed)
          .optScale(scale)
          .optProgress((done, total) -> {})
          .build()
          .write();
    }
    GroupLayout layout = GroupLayout.read(data.resolve("taxonomy.tsv"));
    ImageFolder train = ImageFolder.read(data.resolve("train"));
    checkClasses(layout, train);

    log("[2/4] reading the training images (Pillow-exact resize, [-1, 1] normalisation)");
    int side = imageSide(train);
    int[] chw = {3, side, side};
    float[][] trainImages = load("train", train.samples(), side);

    DemoModels.Training training = new DemoModels.Training(steps, batch, learningRate, seed);
    try (NDManager manager = NDManager.newBaseManager()) {
      log(
          "  device: %s (DJL %s engine; a GPU is used only when a CUDA libtorch is configured)",
          manager.getDevice(), manager.getEngine().getEngineName());
      log(
          "[3/4] training two ResNetV2 (units %s, base width %d) for %d steps of %d images",
          java.util.Arrays.toString(DemoModels.UNITS), DemoModels.BASE_WIDTH, steps, batch);
      int[] trainLabels = labels(train.samples());
      ResNetV2 groupModel =
          DemoModels.train(
              manager, trainImages, trainLabels, chw, layout, true, training, this::logLine);
      ResNetV2 flatModel =
          DemoModels.train(
              manager, trainImages, trainLabels, chw, layout, false, training, this::logLine);
      log("[4/4] exporting both models as bundles");
      exportBundles(groupModel, flatModel, layout, side, src);
    }
    log("trained and exported in %.0f s", elapsed(start));
    return new DemoEvaluation(out, mahalanobisTune).run(evaluator, this::logLine);
  }

  /**
   * Writes both trained models as model bundles ({@code bundles/group}, {@code bundles/flat}) so
   * that the evaluator fits, scores and reports on them exactly as on any other bundle.
   */
  private void exportBundles(
      ResNetV2 groupModel,
      ResNetV2 flatModel,
      GroupLayout layout,
      int side,
      DemoBenchmark.Source src)
      throws IOException {
    Path bundles = out.resolve("bundles");
    GroupLayout flat = GroupLayout.flat(layout.numClasses()).withClassNames(layout.classNames());
    exportBundle(groupModel, layout, side, src, bundles.resolve("group"));
    exportBundle(flatModel, flat, side, src, bundles.resolve("flat"));
    log("  bundles written to %s/{group,flat}", bundles);
  }

  private void exportBundle(
      ResNetV2 model, GroupLayout layout, int side, DemoBenchmark.Source src, Path target)
      throws IOException {
    WeightMap weights = WeightMap.of(model);
    ResNetV2Spec shape = ResNetV2Spec.inferFrom(weights);
    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("source", "mos demo (" + (layout.isFlat() ? "flat" : "group") + " softmax)");
    provenance.put("training", settings(src));
    new BundleExport(shape.architectureName(), shape, weights, layout, side, provenance)
        .write(target, false, true);
  }

  private Map<String, Object> settings(DemoBenchmark.Source src) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("source", src.id());
    s.put("seed", seed);
    s.put("scale", scale);
    s.put("steps", steps);
    s.put("batch", batch);
    s.put("lr", learningRate);
    s.put("units", DemoModels.UNITS);
    s.put("base_width", DemoModels.BASE_WIDTH);
    return s;
  }

  private static int[] labels(List<Sample> samples) {
    return samples.stream().mapToInt(Sample::label).toArray();
  }

  private static void checkClasses(GroupLayout layout, ImageFolder train) {
    if (!layout.classNames().equals(train.classNames())) {
      throw new IllegalStateException(
          "taxonomy.tsv names classes "
              + layout.classNames()
              + " but train/ has folders "
              + train.classNames());
    }
  }

  private static int imageSide(ImageFolder folder) throws IOException {
    var image = javax.imageio.ImageIO.read(folder.samples().get(0).path().toFile());
    return image.getWidth();
  }

  private float[][] load(String name, List<Sample> samples, int side) throws IOException {
    float[][] images = ImageTensors.load(samples, side, threads, p -> {});
    log("  %-14s %5d images", name, images.length);
    return images;
  }

  private static double elapsed(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private void log(String format, Object... args) {
    logLine(String.format(format, args));
  }

  private void logLine(String line) {
    PrintWriter w = spec.commandLine().getOut();
    w.println(line);
    w.flush();
  }

  private void err(String message) {
    spec.commandLine().getErr().println("mos demo: " + message);
  }
}
