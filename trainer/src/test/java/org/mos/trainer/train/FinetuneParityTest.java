package org.mos.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.trainer.cli.TrainCommand;
import org.mos.trainer.model.BitArchitecture;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.BitKeys;
import org.mos.trainer.weights.BitNpzImporter;
import org.mos.trainer.weights.FormulaWeights;
import picocli.CommandLine;

/**
 * Parity with the paper's finetuning loop, step by step: {@code mos train} on a tiny BiT ResNetV2
 * (one unit per block, stem width 32, eight 64x64 PNGs, five steps through warm-up and a decay)
 * against scripts/fixtures/make_finetune_parity_fixtures.py, a float64 PyTorch re-statement of
 * finetune.py and resnetv2.py. Every step's loss and learning rate, the set of parameters that
 * train, and every trained parameter must agree to 1e-4 (relative to the tensor's largest value);
 * for tensors over 8192 values the fixture holds per-output-channel sums of the change (sum and sum
 * of squares of final - start), checked to 1e-4 of the change's size plus what float32 weights can
 * resolve (the change of a body weight over five steps is about 1e-4 of the weight). Augmentation
 * is off (resize = crop = 64, {@code --no-flip}); mixup runs with the reference's lambda and
 * pairing replayed.
 */
class FinetuneParityTest {

  private static final double TOLERANCE = 1e-4;
  private static final int[] UNITS = {1, 1, 1, 1};
  private static final int WIDTH = 32;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** resnetv2.py's fix_parts (and fix_gn1's unit) by num_block_open, as spec.json names them. */
  private static final Map<Integer, List<String>> PAPER_FROZEN =
      Map.of(
          -1, List.of(),
          0, List.of("root", "block1", "block2", "block3", "block4", "before_head"),
          1, List.of("root", "block1", "block2", "block3", "block4/unit01/gn1"));

  private static Path fixtures;

  @TempDir static Path dir;

  private static Path startWeights;

  @BeforeAll
  static void startWeights() throws IOException, URISyntaxException {
    fixtures = Path.of(FinetuneParityTest.class.getResource("/fixtures/finetune").toURI());
    // the head in the file has 10 classes: zero_head replaces it whatever its size
    startWeights =
        FormulaWeights.writeNpz(
            dir.resolve("start.npz"),
            FormulaWeights.bitShapes(UNITS, WIDTH, 10),
            Set.of(),
            Map.of());
  }

  private static List<String> trainArgs(String mode, int numBlockOpen, int split, Path out) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--train",
                fixtures.resolve("images").toString(),
                "--arch",
                "R50x1",
                "--units",
                "1,1,1,1",
                "--base-width",
                String.valueOf(WIDTH),
                "--weights",
                startWeights.toString(),
                "--resize",
                "64",
                "--crop",
                "64",
                "--no-flip",
                "--mixup",
                "0",
                "--batch",
                "8",
                "--batch-split",
                String.valueOf(split),
                "--base-lr",
                "0.02",
                "--schedule",
                "2,3,5",
                "--num-block-open",
                String.valueOf(numBlockOpen),
                "--mode",
                mode,
                "--threads",
                "1",
                "--log-every",
                "1",
                "--out",
                out.toString()));
    if (mode.equals("group")) {
      args.addAll(List.of("--groups", "2,1"));
    }
    return args;
  }

  /** Runs {@code mos train} and checks it against the fixture {@code name}. */
  private static void trainsLikeThePaper(String name, String mode, int numBlockOpen, int split)
      throws IOException {
    Path out = dir.resolve(name);
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new TrainCommand());
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(trainArgs(mode, numBlockOpen, split, out).toArray(String[]::new));
    assertThat(code).as(err.toString()).isZero();

    Map<String, NpyArray> reference = readNpz(fixtures.resolve(name + ".npz"));
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      lines.add(JSON.readTree(line));
    }
    double[] loss = new double[lines.size()];
    double[] lr = new double[lines.size()];
    for (int s = 0; s < lines.size(); s++) {
      assertThat(lines.get(s).get("step").asInt()).isEqualTo(s + 1);
      loss[s] = lines.get(s).get("loss").asDouble();
      lr[s] = lines.get(s).get("lr").asDouble();
    }
    JsonNode run = lines.get(0).get("run");
    assertThat(run.get("flip").asBoolean()).isFalse();
    assertThat(run.get("random_crop").asBoolean()).isFalse();
    assertThat(run.get("num_block_open").asInt()).isEqualTo(numBlockOpen);

    JsonNode effective = JSON.readTree(out.resolve("spec.json").toFile()).get("effective");
    assertThat(effective.get("flip").asBoolean()).isFalse();
    assertThat(effective.get("crop").asInt()).isEqualTo(64);
    assertThat(effective.get("frozen"))
        .extracting(JsonNode::asText)
        .containsExactlyElementsOf(PAPER_FROZEN.get(numBlockOpen));
    assertThat(effective.get("trainable_parameters")).isEqualTo(run.get("trainable_parameters"));

    Map<String, NpyArray> checkpoint = readNpz(out.resolve(TrainingRun.CHECKPOINT));
    Map<String, NpyArray> finals = new LinkedHashMap<>();
    checkpoint.forEach(
        (k, v) -> {
          if (k.startsWith("param/")) {
            finals.put(k.substring("param/".length()), v);
          }
        });
    long trained = matches(name, reference, loss, lr, finals);
    assertThat(run.get("trainable_parameters").asLong()).isEqualTo(trained);
  }

  /**
   * Checks losses, learning rates and trained parameters; returns the number of trained scalars.
   */
  private static long matches(
      String name,
      Map<String, NpyArray> reference,
      double[] loss,
      double[] lr,
      Map<String, NpyArray> finals) {
    double[] refLoss = reference.get("loss").values();
    double[] refLr = reference.get("lr").values();
    assertThat(loss).as(name + " steps").hasSameSizeAs(refLoss);
    double worstLoss = 0;
    for (int s = 0; s < refLoss.length; s++) {
      worstLoss = Math.max(worstLoss, relative(loss[s], refLoss[s]));
      assertThat(relative(loss[s], refLoss[s]))
          .as(name + " loss at step " + s)
          .isLessThan(TOLERANCE);
      assertThat(Math.abs(lr[s] - refLr[s]))
          .as(name + " lr at step " + s)
          .isLessThanOrEqualTo(TOLERANCE * refLr[s]);
    }
    Set<String> expectedTrained = new TreeSet<>();
    for (String k : reference.keySet()) {
      if (k.startsWith("full/") || k.startsWith("rowsum/")) {
        expectedTrained.add(k.substring(k.indexOf('/') + 1));
      }
    }
    Set<String> changed = new TreeSet<>();
    long scalars = 0;
    for (Map.Entry<String, NpyArray> e : finals.entrySet()) {
      float[] start = startValues(e.getKey(), e.getValue().shape());
      float[] end = e.getValue().toFloats();
      if (!java.util.Arrays.equals(start, end)) {
        changed.add(e.getKey());
        scalars += end.length;
      }
    }
    assertThat(changed).as(name + ": the parameters that trained").isEqualTo(expectedTrained);
    double worstParam = 0;
    for (String key : expectedTrained) {
      NpyArray fin = finals.get(key);
      NpyArray full = reference.get("full/" + key);
      if (full != null) {
        double[] want = full.values();
        float[] got = fin.toFloats();
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
          scale = Math.max(scale, Math.abs(want[i]));
          worst = Math.max(worst, Math.abs(got[i] - want[i]));
        }
        assertThat(worst).as(name + " " + key).isLessThanOrEqualTo(TOLERANCE * scale);
        worstParam = Math.max(worstParam, worst / scale);
      } else {
        rowDigestsMatch(name, key, fin, reference);
      }
    }
    System.out.printf(
        "%s: %d steps, loss within %.1e (relative), stored parameters within %.1e of their"
            + " largest value, %d trained tensors%n",
        name, refLoss.length, worstLoss, worstParam, expectedTrained.size());
    return scalars;
  }

  private static void rowDigestsMatch(
      String name, String key, NpyArray fin, Map<String, NpyArray> reference) {
    double[] wantSum = reference.get("rowsum/" + key).values();
    double[] wantSq = reference.get("rowsq/" + key).values();
    float[] start = startValues(key, fin.shape());
    float[] end = fin.toFloats();
    int rows = fin.shape()[0];
    int per = end.length / rows;
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      double sq = 0;
      double largest = 0;
      for (int i = r * per; i < (r + 1) * per; i++) {
        double d = (double) end[i] - start[i];
        sum += d;
        sq += d * d;
        largest = Math.max(largest, Math.abs(end[i]));
      }
      // the change's size in this row, sqrt(per * sum d^2), bounds |sum d|; the floor is what
      // float32 weights can resolve: a rounding of up to 2^-24 |w| per value, over per values
      double size = Math.sqrt(per * wantSq[r]);
      double floor = 8 * Math.ulp(1f) / 2 * largest * Math.sqrt(per);
      assertThat(Math.abs(sum - wantSum[r]))
          .as(name + " " + key + " row " + r + " sum of the change")
          .isLessThanOrEqualTo(TOLERANCE * size + floor);
      assertThat(Math.abs(sq - wantSq[r]))
          .as(name + " " + key + " row " + r + " squared change")
          .isLessThanOrEqualTo(
              TOLERANCE * wantSq[r] + 2 * Math.sqrt(wantSq[r]) * floor + floor * floor);
    }
  }

  private static double relative(double got, double want) {
    return Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
  }

  /**
   * The start value of a parameter in the checkpoint's layout (OIHW kernels): the formula's BiT
   * arrays (HWIO), transposed; the head zeroed.
   */
  private static float[] startValues(String key, int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (key.startsWith(BitKeys.PREFIX + "head/")) {
      return new float[n];
    }
    float[] hwio = FormulaWeights.values(key, n);
    if (shape.length != 4) {
      return hwio;
    }
    int o = shape[0];
    int in = shape[1];
    int h = shape[2];
    int w = shape[3];
    float[] oihw = new float[n];
    for (int a = 0; a < o; a++) {
      for (int b = 0; b < in; b++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            oihw[((a * in + b) * h + y) * w + x] = hwio[((y * w + x) * in + b) * o + a];
          }
        }
      }
    }
    return oihw;
  }

  private static Map<String, NpyArray> readNpz(Path file) throws IOException {
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        try (InputStream in = zip.getInputStream(e)) {
          arrays.put(e.getName().replaceFirst("\\.npy$", ""), Npy.read(in));
        }
      }
    }
    return arrays;
  }

  @Test
  void groupSoftmaxHeadOnlyMatchesThePaperStepByStep() throws IOException {
    trainsLikeThePaper("group_open0", "group", 0, 1);
  }

  @Test
  void groupSoftmaxLastBlockWithMicroBatchesMatchesThePaperStepByStep() throws IOException {
    trainsLikeThePaper("group_open1", "group", 1, 2);
  }

  @Test
  void groupSoftmaxEverythingOpenMatchesThePaperStepByStep() throws IOException {
    trainsLikeThePaper("group_all", "group", -1, 1);
  }

  @Test
  void flatHeadOnlyWithMicroBatchesMatchesThePaperStepByStep() throws IOException {
    trainsLikeThePaper("flat_open0", "flat", 0, 2);
  }

  @Test
  void flatLastBlockMatchesThePaperStepByStep() throws IOException {
    trainsLikeThePaper("flat_open1", "flat", 1, 1);
  }

  @Test
  void flatEverythingOpenWithMicroBatchesMatchesThePaperStepByStep() throws IOException {
    trainsLikeThePaper("flat_all", "flat", -1, 2);
  }

  @Test
  void groupMixupWithTheReferencesLambdaAndPairingMatchesThePaper() throws IOException {
    mixupMatches("group_open1_mixup", "group", 1, 0.7, new int[] {3, 0, 5, 1, 7, 2, 4, 6});
  }

  @Test
  void flatMixupWithTheReferencesLambdaAndPairingMatchesThePaper() throws IOException {
    mixupMatches("flat_all_mixup", "flat", -1, 0.35, new int[] {1, 2, 3, 4, 5, 6, 7, 0});
  }

  /**
   * Mixup's lambda and pairing are random draws: this runs the trainer's own pieces (the run's
   * inputs, the importer, the finetuner) with the reference's draws and its example order.
   */
  private static void mixupMatches(
      String name, String mode, int numBlockOpen, double lambda, int[] perm) throws IOException {
    TrainSpec spec = new TrainSpec();
    CommandLine.populateCommand(
        spec, trainArgs(mode, numBlockOpen, 1, dir.resolve(name)).toArray(String[]::new));
    spec.mixup = 0.1; // on; the draws are replayed
    spec.validate();
    RunInputs inputs = RunInputs.resolve(spec);
    try (NDManager manager = NDManager.newBaseManager();
        TrainingData data = inputs.train()) {
      ResNetV2 model =
          ResNetV2.builder()
              .setArchitecture(BitArchitecture.parse("R50x1"))
              .setUnits(UNITS)
              .optBaseWidth(WIDTH)
              .setNumClasses(inputs.modelLayout().numLogits())
              .build();
      model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      BitNpzImporter.load(startWeights, model, BitNpzImporter.HeadPolicy.ZERO);
      SoftmaxLoss loss =
          spec.grouped() ? SoftmaxLoss.grouped(inputs.modelLayout()) : SoftmaxLoss.flat();
      Finetuner.Settings settings =
          new Finetuner.Settings(8, 1, numBlockOpen, inputs.rule(), spec.seed);
      try (Finetuner f = new Finetuner(model, loss, inFileOrder(data), settings, manager)) {
        f.replayMixup(
            new Finetuner.MixupDraws() {
              @Override
              public double lambda(double alpha, SplittableRandom random) {
                return lambda;
              }

              @Override
              public int[] permutation(int rows, SplittableRandom random) {
                return perm.clone();
              }
            });
        List<Double> losses = new ArrayList<>();
        List<Double> lrs = new ArrayList<>();
        while (!f.finished()) {
          Finetuner.StepReport r = f.step().orElseThrow();
          losses.add(r.loss());
          lrs.add(r.learningRate());
        }
        Map<String, NpyArray> finals = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : BitKeys.of(model).entrySet()) {
          float[] v = e.getValue().getArray().toFloatArray();
          long[] s = e.getValue().getArray().getShape().getShape();
          int[] shape = java.util.Arrays.stream(s).mapToInt(Math::toIntExact).toArray();
          double[] d = new double[v.length];
          for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
          }
          finals.put(e.getKey(), new NpyArray("<f4", shape, d, null));
        }
        long trained =
            matches(
                name,
                readNpz(fixtures.resolve(name + ".npz")),
                losses.stream().mapToDouble(Double::doubleValue).toArray(),
                lrs.stream().mapToDouble(Double::doubleValue).toArray(),
                finals);
        assertThat(f.openBlocks().trainableParameters()).isEqualTo(trained);
      }
    }
  }

  /** The data with every step taking all images in file order, as the reference does. */
  private static TrainingData inFileOrder(TrainingData data) {
    int[] order = new int[data.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    return new TrainingData() {
      @Override
      public int size() {
        return data.size();
      }

      @Override
      public int[] imageShape() {
        return data.imageShape();
      }

      @Override
      public int labelWidth() {
        return data.labelWidth();
      }

      @Override
      public Batches open(int[] indices, int microBatch, long seed) throws IOException {
        return data.open(order, microBatch, seed);
      }
    };
  }

  @Test
  void theTrainableParametersAreThePapersForEveryNumBlockOpen() throws IOException {
    JsonNode sets = JSON.readTree(fixtures.resolve("trainable.json").toFile());
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model =
          ResNetV2.builder()
              .setArchitecture(BitArchitecture.parse("R50x1"))
              .setUnits(UNITS)
              .optBaseWidth(WIDTH)
              .setNumClasses(5)
              .build();
      model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      for (int open = -1; open <= 4; open++) {
        OpenBlocks.apply(model, open);
        Set<String> trainable = new TreeSet<>();
        BitKeys.of(model)
            .forEach(
                (k, p) -> {
                  if (p.requiresGradient()) {
                    trainable.add(k);
                  }
                });
        Set<String> paper = new TreeSet<>();
        sets.get(String.valueOf(open)).forEach(k -> paper.add(k.asText()));
        assertThat(trainable).as("num_block_open " + open).isEqualTo(paper);
      }
    }
  }
}
