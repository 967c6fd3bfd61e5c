package org.mos.trainer.demo;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.Sample;
import org.mos.common.data.demo.DemoBenchmark;
import org.mos.common.layout.GroupLayout;
import org.mos.common.metrics.Convention;
import org.mos.trainer.export.BundleExport;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.model.ResNetV2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mos demo}: the whole pipeline on the built-in benchmark. Writes the benchmark, trains a
 * group-softmax and a flat-softmax ResNetV2 on the CPU, scores the ID test set and every OOD set
 * with MOS and the baselines, and prints the paper's table (AUROC / FPR95 per OOD set).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline on the built-in benchmark (no downloads): write the data, train a"
          + " group-softmax and a flat-softmax ResNetV2 on the CPU, score the ID test set and the"
          + " near- and far-OOD sets with MOS, MSP, ODIN, Energy, KL matching, Mahalanobis and"
          + " MaxLogit, and print AUROC / FPR95 (the paper's convention).",
      "Writes OUT/data/ (the benchmark, reused when present) and OUT/results.{md,json,csv}."
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

  @Override
  public Integer call() throws Exception {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true"); // never download anything at run time
    }
    if (steps < 1 || batch < 1 || !(learningRate > 0) || threads < 1 || torchThreads < 1) {
      err("--steps, --batch, --lr, --threads and --torch-threads must be positive");
      return 2;
    }
    // Read by DJL's PyTorch engine when it starts, i.e. at the first NDManager below.
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(torchThreads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
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
      log("[1/5] reusing the benchmark in %s", data);
    } else {
      log("[1/5] writing the %s benchmark to %s", source, data);
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
    ImageFolder val = ImageFolder.read(data.resolve("val"));
    ImageFolder test = ImageFolder.read(data.resolve("test"));
    checkClasses(layout, train);

    log("[2/5] reading images (Pillow-exact resize, [-1, 1] normalisation)");
    int side = imageSide(train);
    int[] chw = {3, side, side};
    float[][] trainImages = load("train", train.samples(), side);
    float[][] valImages = load("val", val.samples(), side);
    float[][] testImages = load("test", test.samples(), side);
    Map<String, float[][]> oodImages = new LinkedHashMap<>();
    try (var sets = Files.list(data.resolve("ood"))) {
      for (Path set : sets.filter(Files::isDirectory).sorted().toList()) {
        oodImages.put(set.getFileName().toString(), load(set, side));
      }
    }

    DemoModels.Training training = new DemoModels.Training(steps, batch, learningRate, seed);
    Map<String, Object> accuracy = new LinkedHashMap<>();
    Map<String, Map<String, double[]>> scores = new LinkedHashMap<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      log(
          "  device: %s (DJL %s engine; a GPU is used only when a CUDA libtorch is configured)",
          manager.getDevice(), manager.getEngine().getEngineName());
      log(
          "[3/5] training two ResNetV2 (units %s, base width %d) for %d steps of %d images",
          java.util.Arrays.toString(DemoModels.UNITS), DemoModels.BASE_WIDTH, steps, batch);
      int[] trainLabels = labels(train.samples());
      ResNetV2 groupModel =
          DemoModels.train(
              manager, trainImages, trainLabels, chw, layout, true, training, this::logLine);
      ResNetV2 flatModel =
          DemoModels.train(
              manager, trainImages, trainLabels, chw, layout, false, training, this::logLine);
      exportBundles(groupModel, flatModel, layout, side, src);

      log("[4/5] scoring ID test and %d OOD sets", oodImages.size());
      var flatTrain = ModelOutputsCollector.run(flatModel, manager, trainImages, chw, 128);
      var flatVal = ModelOutputsCollector.run(flatModel, manager, valImages, chw, 128);
      DemoScores demoScores =
          new DemoScores(layout, flatTrain, trainLabels, flatVal, labels(val.samples()));
      var flatTest = ModelOutputsCollector.run(flatModel, manager, testImages, chw, 128);
      var groupTest = ModelOutputsCollector.run(groupModel, manager, testImages, chw, 128);
      int[] testLabels = labels(test.samples());
      accuracy.put("group_softmax_top1", groupAccuracy(layout, groupTest, testLabels));
      accuracy.put("flat_softmax_top1", flatAccuracy(flatTest, testLabels));
      scores.put("id", demoScores.score(flatTest, groupTest));
      for (var e : oodImages.entrySet()) {
        var flatOod = ModelOutputsCollector.run(flatModel, manager, e.getValue(), chw, 128);
        var groupOod = ModelOutputsCollector.run(groupModel, manager, e.getValue(), chw, 128);
        scores.put(e.getKey(), demoScores.score(flatOod, groupOod));
      }
    }

    log("[5/5] metrics (paper convention: ID positive, FPR at 95%% ID recall)");
    DemoResults results =
        DemoResults.compute(scores, Convention.PAPER, accuracy, settings(src), elapsed(start));
    spec.commandLine().getOut().println();
    spec.commandLine().getOut().println(results.toMarkdown());
    writeAtomically(out.resolve("results.md"), results.toMarkdown());
    writeAtomically(out.resolve("results.csv"), results.toCsv());
    writeAtomically(
        out.resolve("results.json"),
        new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .writeValueAsString(results.toJson()));
    log("results written to %s/results.{md,json,csv} in %.0f s", out, elapsed(start));
    return 0;
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
    s.put("kl_fit", "validation set, true labels");
    s.put("mahalanobis", "pre-logit features only, class means/tied precision on the train set");
    return s;
  }

  private static double groupAccuracy(
      GroupLayout layout, ModelOutputsCollector.Outputs outputs, int[] labels) {
    int[] predicted = layout.predict(outputs.logits().toArray(), labels.length).flatClasses();
    return hits(predicted, labels);
  }

  private static double flatAccuracy(ModelOutputsCollector.Outputs outputs, int[] labels) {
    var logits = outputs.logits();
    int[] predicted = new int[labels.length];
    for (int r = 0; r < labels.length; r++) {
      float[] row = logits.row(r);
      int best = 0;
      for (int c = 1; c < row.length; c++) {
        if (row[c] > row[best]) {
          best = c;
        }
      }
      predicted[r] = best;
    }
    return hits(predicted, labels);
  }

  private static double hits(int[] predicted, int[] labels) {
    int hits = 0;
    for (int i = 0; i < labels.length; i++) {
      hits += predicted[i] == labels[i] ? 1 : 0;
    }
    return (double) hits / labels.length;
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

  private float[][] load(Path set, int side) throws IOException {
    List<Sample> samples = ImageFiles.list(set);
    return load("ood/" + set.getFileName(), samples, side);
  }

  private static double elapsed(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
