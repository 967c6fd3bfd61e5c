package org.mos.evaluator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.metrics.Convention;
import org.mos.common.metrics.OodMetrics;
import org.mos.common.score.OdinSettings;
import org.mos.evaluator.evaluate.InProcessTransports;
import org.mos.evaluator.evaluate.ScoringModel;
import org.mos.evaluator.evaluate.TransportFactory;
import org.mos.evaluator.transport.ImageTask;
import org.mos.evaluator.transport.ScoredImage;
import org.mos.evaluator.transport.ScoringTransport;
import picocli.CommandLine;

/**
 * {@code mos evaluate} end to end in-process: linear synthetic bundles (a group-softmax and a flat
 * one) over solid-colour PNGs, whose logits are known in closed form (logits = W f + b, f = the
 * normalised colour). Expected scores, accuracies and AUROCs are computed here from those formulas,
 * independently of the scorer.
 */
class EvaluateCommandTest {

  // group bundle: classes cat, dog | car; logits [others0, cat, dog, others1, car]
  static final float[][] GROUP_W = {
    {0.5f, 0.2f, 0}, {2, -1, 0.5f}, {-1, 2, 0}, {0, 0.3f, 0.4f}, {0.5f, 0.5f, 2}
  };
  static final float[] GROUP_B = {0.1f, 0, 0.2f, -0.1f, 0};
  // flat bundle: cat, dog, car
  static final float[][] FLAT_W = {{2, -1, 0.3f}, {-1, 2, -0.2f}, {0.4f, 0.6f, 2}};
  static final float[] FLAT_B = {0, 0.1f, -0.2f};

  /** Channel values of the images: 0, 51, 102, 153, 204, 255 give f = -1, -0.6, ..., 1. */
  static final Map<String, int[]> ID =
      orderedMap(
          "car/1.png", new int[] {0, 51, 255},
          "car/2.png", new int[] {102, 102, 204},
          "cat/1.png", new int[] {255, 0, 51},
          "cat/2.png", new int[] {204, 51, 102},
          "dog/1.png", new int[] {0, 255, 102},
          "dog/sub/2.png", new int[] {51, 153, 0});

  static final Map<String, int[]> NEAR =
      orderedMap(
          "a.png", new int[] {153, 153, 153},
          "deep/b.png", new int[] {102, 153, 51},
          "deep/c.png", new int[] {204, 204, 0});

  static final Map<String, int[]> FAR =
      orderedMap(
          "x.png", new int[] {51, 51, 51},
          "y.png", new int[] {255, 255, 255},
          "z.png", new int[] {0, 0, 0});

  @TempDir Path dir;
  Path groupBundle;
  Path flatBundle;
  Path idDir;
  Path nearDir;
  Path farDir;
  StringWriter out;
  StringWriter err;

  @BeforeEach
  void data() throws IOException {
    groupBundle = dir.resolve("mos");
    new SyntheticBundle(4, List.of("cat", "dog", "car"), List.of(2, 1), GROUP_W, GROUP_B, Map.of())
        .writeTo(groupBundle);
    flatBundle = dir.resolve("flat");
    new SyntheticBundle(4, List.of("cat", "dog", "car"), null, FLAT_W, FLAT_B, Map.of())
        .writeTo(flatBundle);
    idDir = dir.resolve("data/val");
    nearDir = dir.resolve("data/near");
    farDir = dir.resolve("data/far");
    write(idDir, ID);
    write(nearDir, NEAR);
    write(farDir, FAR);
    Files.writeString(farDir.resolve("broken.png"), "not a png at all");
  }

  private static Map<String, int[]> orderedMap(Object... kv) {
    Map<String, int[]> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (int[]) kv[i + 1]);
    }
    return m;
  }

  private static void write(Path root, Map<String, int[]> images) throws IOException {
    for (Map.Entry<String, int[]> e : images.entrySet()) {
      Path file = root.resolve(e.getKey());
      Files.createDirectories(file.getParent());
      int[] c = e.getValue();
      BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 5; y++) {
        for (int x = 0; x < 6; x++) {
          img.setRGB(x, y, (c[0] << 16) | (c[1] << 8) | c[2]);
        }
      }
      ImageIO.write(img, "png", file.toFile());
    }
  }

  // --- running the command

  private int run(TransportFactory factory, String... args) {
    out = new StringWriter();
    err = new StringWriter();
    EvaluateCommand command = new EvaluateCommand();
    command.clock = () -> 0L; // test times of 0: results.json depends on the scores only
    command.transports = factory;
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  private String[] args(Path outDir, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--id",
                idDir.toString(),
                "--ood",
                "near=" + nearDir,
                "--ood",
                "far=" + farDir,
                "--bundle",
                groupBundle.toString(),
                "--bundle",
                flatBundle.toString(),
                "--out",
                outDir.toString(),
                "--batch-size",
                "2",
                "--threads",
                "2"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private static InProcessTransports inProcess() {
    return new InProcessTransports(InferenceOptions.cpu(), 2, 2, 3, () -> 0L);
  }

  private static JsonNode json(Path outDir) throws IOException {
    return new ObjectMapper().readTree(outDir.resolve("results.json").toFile());
  }

  // --- independent expectations

  private static double[] features(int[] c) {
    double[] f = new double[3];
    for (int i = 0; i < 3; i++) {
      f[i] = (c[i] / 255.0 - 0.5) / 0.5;
    }
    return f;
  }

  private static double[] logits(float[][] w, float[] b, int[] colour) {
    double[] f = features(colour);
    double[] z = new double[w.length];
    for (int r = 0; r < w.length; r++) {
      z[r] = b[r] + w[r][0] * f[0] + w[r][1] * f[1] + w[r][2] * f[2];
    }
    return z;
  }

  private static double[] softmax(double[] z, int from, int to) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = from; i < to; i++) {
      max = Math.max(max, z[i]);
    }
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += Math.exp(z[i] - max);
    }
    double[] p = new double[to - from];
    for (int i = from; i < to; i++) {
      p[i - from] = Math.exp(z[i] - max) / sum;
    }
    return p;
  }

  /** MOS = -min over groups of p(others); slices [0,3) and [3,5). */
  static double mos(int[] c) {
    double[] z = logits(GROUP_W, GROUP_B, c);
    return -Math.min(softmax(z, 0, 3)[0], softmax(z, 3, 5)[0]);
  }

  static double msp(int[] c) {
    double[] p = softmax(logits(FLAT_W, FLAT_B, c), 0, 3);
    return Math.max(p[0], Math.max(p[1], p[2]));
  }

  static double energy(int[] c) {
    double[] z = logits(FLAT_W, FLAT_B, c);
    double max = Math.max(z[0], Math.max(z[1], z[2]));
    return max + Math.log(Math.exp(z[0] - max) + Math.exp(z[1] - max) + Math.exp(z[2] - max));
  }

  /** Group rule: the class of the group whose best non-others probability is largest. */
  static int groupPrediction(int[] c) {
    double[] z = logits(GROUP_W, GROUP_B, c);
    double[] g0 = softmax(z, 0, 3);
    double[] g1 = softmax(z, 3, 5);
    int best0 = g0[1] >= g0[2] ? 0 : 1; // cat or dog
    double p0 = Math.max(g0[1], g0[2]);
    return p0 >= g1[1] ? best0 : 2;
  }

  static int flatPrediction(int[] c) {
    double[] z = logits(FLAT_W, FLAT_B, c);
    return z[0] >= z[1] && z[0] >= z[2] ? 0 : z[1] >= z[2] ? 1 : 2;
  }

  static int label(String path) {
    return List.of("cat", "dog", "car").indexOf(path.substring(0, path.indexOf('/')));
  }

  interface Score {
    double of(int[] c);
  }

  static double[] scores(Map<String, int[]> images, Score s) {
    return images.values().stream().mapToDouble(s::of).toArray();
  }

  /** AUROC as the share of (ID, OOD) pairs ranked right, ties counting half. */
  static double pairwiseAuroc(double[] id, double[] ood) {
    double hits = 0;
    for (double a : id) {
      for (double b : ood) {
        hits += a > b ? 1 : a == b ? 0.5 : 0;
      }
    }
    return hits / (id.length * ood.length);
  }

  // --- tests

  @Test
  void scoresGroupAndFlatBundlesAndReportsMetricsOfTheIndependentlyComputedScores()
      throws IOException {
    Path outDir = dir.resolve("out");
    int code = run(null, args(outDir));
    assertThat(code).as(err.toString()).isZero();
    JsonNode r = json(outDir);
    List<String> labels = new ArrayList<>();
    r.get("methods").forEach(m -> labels.add(m.get("label").asText()));
    // every method the bundles support, GEN (logits only) included
    assertThat(labels).containsExactly("MSP", "ODIN", "Energy", "MOS", "MaxLogit", "GEN");

    Map<String, Score> expected =
        Map.of(
            "MOS",
            EvaluateCommandTest::mos,
            "MSP",
            EvaluateCommandTest::msp,
            "Energy",
            EvaluateCommandTest::energy);
    for (JsonNode m : r.get("methods")) {
      Score s = expected.get(m.get("label").asText());
      if (s == null) {
        continue;
      }
      double[] id = scores(ID, s);
      for (var set : Map.of("near", NEAR, "far", FAR).entrySet()) {
        double[] ood = scores(set.getValue(), s);
        JsonNode got = m.get("ood").get(set.getKey());
        OodMetrics want = OodMetrics.compute(id, ood, Convention.PAPER);
        assertThat(got.get("auroc").asDouble())
            .as("%s on %s", m.get("label"), set.getKey())
            .isCloseTo(pairwiseAuroc(id, ood), within(1e-12));
        assertThat(got.get("fpr95").asDouble()).isCloseTo(want.fpr95(), within(1e-12));
        assertThat(got.get("aupr_in").asDouble()).isCloseTo(want.auprIn(), within(1e-12));
      }
    }
    int groupHits = 0;
    int flatHits = 0;
    for (var e : ID.entrySet()) {
      groupHits += groupPrediction(e.getValue()) == label(e.getKey()) ? 1 : 0;
      flatHits += flatPrediction(e.getValue()) == label(e.getKey()) ? 1 : 0;
    }
    assertThat(r.get("id_accuracy").get("mos").asDouble()).isEqualTo(groupHits / 6.0);
    assertThat(r.get("id_accuracy").get("flat").asDouble()).isEqualTo(flatHits / 6.0);
    assertThat(r.get("skipped")).hasSize(1);
    assertThat(r.get("skipped").get(0).get("dataset").asText()).isEqualTo("far");
    assertThat(r.get("skipped").get(0).get("image_id").asText()).isEqualTo("broken.png");
    assertThat(r.get("settings").get("transport").asText()).isEqualTo("in-process");
    assertThat(r.get("settings").get("bundles").get(0).get("checksum").asText()).hasSize(64);
    assertThat(out.toString()).contains("| MOS |").contains("ID accuracy").contains("| mos |");
    assertThat(err.toString()).contains("mos/val 6/6 images").contains("flat/far 4/4 images");
  }

  @Test
  void rerunAfterAnInterruptionScoresOnlyTheMissingImagesAndGivesIdenticalResults()
      throws IOException {
    Path whole = dir.resolve("whole");
    assertThat(run(null, args(whole))).as(err.toString()).isZero();

    Path resumed = dir.resolve("resumed");
    // the first bundle's transport breaks after 5 results, as a killed run would stop
    int code = run(new Breaking(inProcess(), 5), args(resumed));
    assertThat(code).isEqualTo(1);
    assertThat(resumed.resolve("results.json")).doesNotExist();
    Path store;
    try (var files = Files.list(resumed.resolve("scores"))) {
      store = files.findFirst().orElseThrow();
    }
    assertThat(Files.readAllLines(store)).hasSize(1 + 5); // header + the 5 results that arrived

    Counting counting = new Counting(inProcess());
    assertThat(run(counting, args(resumed))).as(err.toString()).isZero();
    assertThat(counting.tasks.get()).isEqualTo(2 * 13 - 5); // 13 images per bundle, 5 stored
    assertThat(Files.readString(resumed.resolve("results.json")))
        .isEqualTo(Files.readString(whole.resolve("results.json")));
    assertThat(err.toString())
        .contains("bundle mos: 8 of 13 images to score")
        .contains(", 5 stored in");

    Counting again = new Counting(inProcess());
    assertThat(run(again, args(resumed))).isZero();
    assertThat(again.tasks.get()).isZero();
  }

  @Test
  void aTornLastRecordIsDroppedAndItsImageScoredAgain() throws IOException {
    Path outDir = dir.resolve("out");
    assertThat(run(null, args(outDir))).isZero();
    String before = Files.readString(outDir.resolve("results.json"));
    Path store;
    try (var files = Files.list(outDir.resolve("scores"))) {
      store = files.sorted().findFirst().orElseThrow();
    }
    List<String> lines = Files.readAllLines(store);
    String torn = String.join("\n", lines.subList(0, 4)) + "\n" + lines.get(4).substring(0, 20);
    Files.writeString(store, torn, StandardCharsets.UTF_8);
    Files.delete(outDir.resolve("results.json"));

    Counting counting = new Counting(inProcess());
    assertThat(run(counting, args(outDir))).as(err.toString()).isZero();
    assertThat(counting.tasks.get()).isEqualTo(13 - 3);
    assertThat(Files.readString(outDir.resolve("results.json"))).isEqualTo(before);
    assertThat(Files.readAllLines(store)).hasSize(1 + 13).allMatch(l -> !l.isEmpty());
  }

  @Test
  void aMethodAddedLaterIsTheOnlyOneScored() throws IOException {
    Path outDir = dir.resolve("out");
    assertThat(run(null, args(outDir))).isZero();
    Counting counting = new Counting(inProcess());
    assertThat(run(counting, args(outDir, "--methods", "mos,mos:msp"))).as(err.toString()).isZero();
    // the group bundle's readable images, for msp only (the unreadable one is stored as such)
    assertThat(counting.tasks.get()).isEqualTo(12);
    List<String> labels = new ArrayList<>();
    json(outDir).get("methods").forEach(m -> labels.add(m.get("label").asText()));
    assertThat(labels).containsExactly("MSP", "MOS");
    assertThat(err.toString())
        .contains("bundle mos: 12 of 13 images to score (msp, mos), 1 stored");
  }

  @Test
  void storedFailuresStillStopARunThatFailsOnBadImages() {
    assertThat(run(null, args(dir.resolve("out")))).isZero();
    int code = run(null, args(dir.resolve("out"), "--on-bad-image", "fail"));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("broken.png").contains("stored by an earlier run");
  }

  @Test
  void freshIgnoresTheStoredScores() throws IOException {
    Path outDir = dir.resolve("out");
    assertThat(run(null, args(outDir))).isZero();
    Counting counting = new Counting(inProcess());
    assertThat(run(counting, args(outDir, "--fresh"))).isZero();
    assertThat(counting.tasks.get()).isEqualTo(2 * 13);
  }

  @Test
  void methodsOptionChoosesMethodsAndBundles() throws IOException {
    Path outDir = dir.resolve("out");
    int code =
        run(null, args(outDir, "--methods", "mos,flat:energy,msp", "--convention", "openood"));
    assertThat(code).as(err.toString()).isZero();
    JsonNode r = json(outDir);
    List<String> labels = new ArrayList<>();
    r.get("methods")
        .forEach(m -> labels.add(m.get("label").asText() + "@" + m.get("bundle").asText()));
    assertThat(labels).containsExactly("MSP@flat", "Energy@flat", "MOS@mos");
    assertThat(r.get("convention").asText()).isEqualTo("openood");
  }

  @Test
  void refusesAMethodNoBundleSupports() {
    int code = run(null, args(dir.resolve("out"), "--methods", "kl"));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("no bundle supports method 'kl'");
  }

  @Test
  void refusesAnIdFolderWithClassesTheBundleDoesNotKnow() throws IOException {
    write(idDir, Map.of("bird/1.png", new int[] {1, 2, 3}));
    int code = run(null, args(dir.resolve("out")));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("class folders that bundle 'mos' does not know: [bird]")
        .contains("[cat, dog, car]");
  }

  @Test
  void anIdFolderForABundleWithPlaceholderClassNamesIsRefusedSayingHowToNameThem()
      throws IOException {
    Path unnamed = dir.resolve("unnamed");
    new SyntheticBundle(4, List.of("class_0", "class_1", "class_2"), null, FLAT_W, FLAT_B, Map.of())
        .writeTo(unnamed);
    int code =
        run(
            null,
            "--id",
            idDir.toString(),
            "--ood",
            "far=" + farDir,
            "--bundle",
            unnamed.toString(),
            "--out",
            dir.resolve("out").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("class folders that bundle 'unnamed' does not know: [car, cat, dog]")
        .contains("class_0, class_1, ... are the exporter's placeholders")
        .contains("mos export --checkpoint RUN");
  }

  @Test
  void readsAGroupListFileAsTheIdSet() throws IOException {
    // group 0 = (cat, dog), group 1 = (car): the same labels as the folder tree
    StringBuilder list = new StringBuilder();
    for (String p : ID.keySet()) {
      int c = label(p);
      list.append(p).append(' ').append(c == 2 ? "1 0" : "0 " + c).append('\n');
    }
    Path file = idDir.resolve("val_group.txt");
    Files.writeString(file, list);
    Path outDir = dir.resolve("out");
    int code =
        run(
            null,
            "--id",
            "val=" + file,
            "--ood",
            "far=" + farDir,
            "--bundle",
            groupBundle.toString(),
            "--out",
            outDir.toString());
    assertThat(code).as(err.toString()).isZero();
    int hits = 0;
    for (var e : ID.entrySet()) {
      hits += groupPrediction(e.getValue()) == label(e.getKey()) ? 1 : 0;
    }
    assertThat(json(outDir).get("id_accuracy").get("mos").asDouble()).isEqualTo(hits / 6.0);
  }

  @Test
  void stopsAtAnUndecodableImageWhenAskedTo() {
    int code = run(null, args(dir.resolve("out"), "--on-bad-image", "fail"));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("broken.png").contains("--on-bad-image is fail");
  }

  @Test
  void isListedInTheSuiteHelp() {
    StringWriter help = new StringWriter();
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(help));
    cli.execute("evaluate", "--help");
    assertThat(help.toString()).contains("--ood=NAME=DIR|LIST").contains("--on-bad-image");
  }

  @Test
  void tokenFileIsInTheHelpAndNeedsScorer() {
    StringWriter help = new StringWriter();
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(help));
    cli.execute("evaluate", "--help");
    assertThat(help.toString()).contains("--token-file=FILE").contains("MOS_TOKEN_FILE");
    int code = run(null, args(dir.resolve("out"), "--token-file", dir.resolve("t").toString()));
    assertThat(code).isNotZero();
    assertThat(err.toString())
        .contains("--token-file " + dir.resolve("t") + " is for a scorer's gRPC API")
        .contains("give --scorer HOST:PORT too");
  }

  // --- transports wrapping the in-process one

  /** Passes through the first {@code limit} results of the first model, then breaks. */
  static final class Breaking implements TransportFactory {
    private final TransportFactory inner;
    private final int limit;
    private boolean first = true;

    Breaking(TransportFactory inner, int limit) {
      this.inner = inner;
      this.limit = limit;
    }

    @Override
    public ScoringModel open(String name, String location) throws IOException {
      ScoringModel m = inner.open(name, location);
      if (!first) {
        return m;
      }
      first = false;
      return wrap(
          m,
          (tasks, methods, odin) ->
              m.transport()
                  .score(tasks, methods, odin)
                  .select()
                  .first(limit)
                  .onCompletion()
                  .failWith(() -> new IllegalStateException("the scorer went away")));
    }
  }

  /** Counts the tasks sent to the transports. */
  static final class Counting implements TransportFactory {
    private final TransportFactory inner;
    final AtomicInteger tasks = new AtomicInteger();

    Counting(TransportFactory inner) {
      this.inner = inner;
    }

    @Override
    public ScoringModel open(String name, String location) throws IOException {
      ScoringModel m = inner.open(name, location);
      return wrap(
          m,
          (t, methods, odin) ->
              m.transport().score(t.onItem().invoke(x -> tasks.incrementAndGet()), methods, odin));
    }
  }

  interface Scoring {
    Multi<ScoredImage> score(Multi<ImageTask> tasks, List<String> methods, OdinSettings odin);
  }

  static ScoringModel wrap(ScoringModel m, Scoring scoring) {
    ScoringTransport inner = m.transport();
    ScoringTransport t =
        new ScoringTransport() {
          @Override
          public String name() {
            return inner.name();
          }

          @Override
          public List<String> methods() {
            return inner.methods();
          }

          @Override
          public String modelChecksum() {
            return inner.modelChecksum();
          }

          @Override
          public Multi<ScoredImage> score(
              Multi<ImageTask> tasks, List<String> methods, OdinSettings odin) {
            return scoring.score(tasks, methods, odin);
          }

          @Override
          public void close() {
            inner.close();
          }
        };
    return new ScoringModel(
        m.name(),
        m.source(),
        t,
        m.classNames(),
        m.groupSizes(),
        m.details(),
        m.odin(),
        m.odinDeclared(),
        m.inputGradients());
  }
}
