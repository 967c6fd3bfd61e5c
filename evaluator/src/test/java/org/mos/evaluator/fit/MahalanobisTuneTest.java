package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.io.AtomicFiles;
import org.mos.common.score.MahalanobisLayerStatistics;
import org.mos.common.score.MahalanobisStatistics;

/**
 * {@code mos fit --mahalanobis-tune} end to end through picocli on {@link TinyGradientBundle} and
 * 4x4 PNGs, against the independent PyTorch + scikit-learn reference of
 * scripts/fixtures/make_mahalanobis_tune_fixtures.py (FGSM copies, perturbed per-layer scores at
 * every magnitude, LogisticRegressionCV, held-out FPR95, the chosen magnitude).
 */
class MahalanobisTuneTest {

  private static final int COUNT = 15;
  private static JsonNode fx;

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Path bundle;
  private Path train;
  private Path valList;

  @BeforeAll
  static void readFixture() throws IOException {
    fx = FixtureImages.json("/fixtures/fit/mahalanobis_tune.json");
  }

  @BeforeEach
  void bundleAndImages() throws IOException {
    bundle = dir.resolve("bundle");
    writeBundle(true);
    JsonNode images = fx.get("images");
    train = FixtureImages.writeClassFolders(dir.resolve("train"), images.get("train"));
    Path val = FixtureImages.writePngs(dir.resolve("val"), images.get("val"));
    // a list file keeps the reference's order: classes interleaved, N train then N held out
    List<String> lines = new ArrayList<>();
    JsonNode labels = images.get("val_labels");
    for (int i = 0; i < labels.size(); i++) {
      lines.add(String.format("%03d.png %d", i, labels.get(i).asInt()));
    }
    valList = val.resolve("list.txt");
    Files.write(valList, lines);
  }

  private void writeBundle(boolean gradients) throws IOException {
    float[][] w = FixtureImages.weights(fx);
    float[] b = FixtureImages.bias(fx);
    TinyGradientBundle.write(bundle, 4, w, b, gradients);
  }

  private int run(String... args) {
    return FixtureImages.fit(bundle, out, err, args);
  }

  private List<String> tuneArgs(Path fitted) {
    return new ArrayList<>(
        List.of(
            "--out",
            fitted.toString(),
            "--mahalanobis-fit",
            train.toString(),
            "--mahalanobis-validation",
            valList.toString(),
            "--mahalanobis-tune",
            "--mahalanobis-count",
            String.valueOf(COUNT),
            "--batch-size",
            "4"));
  }

  @Test
  void tunesOverThePaperGridLikeTheReferenceAndKeepsTheFirstMagnitudeOnTies() throws Exception {
    Path fitted = dir.resolve("fitted");
    int code = run(tuneArgs(fitted).toArray(String[]::new));
    assertThat(code).as(err.toString()).isZero();
    assertMatchesReference(fitted, fx.get("cases").get("paper"), "reference");
    assertThat(err.toString()).contains("mahalanobis tuning: 30/30 validation images");
    assertThat(out.toString()).contains("<- chosen", "mahalanobis.input_perturbation = tuned");
  }

  @Test
  void tunesACustomGridWithImageRangeClampingLikeTheReference() throws Exception {
    JsonNode c = fx.get("cases").get("custom");
    List<String> grid = new ArrayList<>();
    c.get("grid").forEach(m -> grid.add(m.asText()));
    Path fitted = dir.resolve("fitted");
    List<String> args = tuneArgs(fitted);
    args.addAll(
        List.of(
            "--mahalanobis-tune-magnitudes",
            String.join(",", grid),
            "--mahalanobis-fgsm-clamp",
            "image"));
    assertThat(run(args.toArray(String[]::new))).as(err.toString()).isZero();
    // the reference chooses a magnitude other than the grid's first
    assertThat(c.get("chosen").asInt()).isPositive();
    assertMatchesReference(fitted, c, "image");
  }

  /** Every trial's C, FPR95 and weights, the chosen magnitude, and what the bundle stores. */
  private static void assertMatchesReference(Path fitted, JsonNode want, String clamp)
      throws Exception {
    try (ModelBundle b = ModelBundle.open(fitted)) {
      Map<String, Object> params = b.manifest().statistics().get("mahalanobis").parameters();
      assertThat(((Number) params.get("input_perturbation_magnitude")).doubleValue())
          .isEqualTo(want.get("chosen_magnitude").asDouble());
      Map<?, ?> combiner = (Map<?, ?>) params.get("combiner");
      Map<?, ?> tuning = (Map<?, ?>) combiner.get("tuning");
      List<?> trials = (List<?>) tuning.get("trials");
      assertThat(trials).hasSize(want.get("trials").size());
      for (int k = 0; k < trials.size(); k++) {
        Map<?, ?> got = (Map<?, ?>) trials.get(k);
        JsonNode w = want.get("trials").get(k);
        String at = "magnitude " + w.get("magnitude").asDouble();
        assertThat(((Number) got.get("magnitude")).doubleValue())
            .isEqualTo(w.get("magnitude").asDouble());
        assertThat(((Number) got.get("c")).doubleValue())
            .as(at)
            .isCloseTo(w.get("c").asDouble(), within(1e-9 * w.get("c").asDouble()));
        assertThat(((Number) got.get("fpr95")).doubleValue())
            .as(at)
            .isEqualTo(w.get("fpr95").asDouble(), within(1e-12));
        assertWeights(
            at, (List<?>) got.get("weights"), ((Number) got.get("bias")).doubleValue(), w);
      }
      Map<?, ?> negatives = (Map<?, ?>) combiner.get("negatives");
      assertThat(negatives.get("kind")).isEqualTo("fgsm");
      assertThat(((Map<?, ?>) negatives.get("clamp")).get("mode")).isEqualTo(clamp);
      Map<?, ?> data = (Map<?, ?>) combiner.get("id_validation");
      assertThat(data.get("train_images")).isEqualTo(COUNT);
      assertThat(data.get("held_out_images")).isEqualTo(COUNT);
      // the stored statistics: the layers fitted on the fit set, the chosen trial's regression
      MahalanobisStatistics maha =
          new ObjectMapper()
              .readValue(b.file(BundleFitter.MAHALANOBIS).toFile(), MahalanobisStatistics.class);
      JsonNode best = want.get("trials").get(want.get("chosen").asInt());
      List<Double> weights = new ArrayList<>();
      for (double v : maha.regressionWeights()) {
        weights.add(v);
      }
      assertWeights("stored", weights, maha.regressionBias(), best);
      List<String> layers = List.of("stem", "block1");
      for (int l = 0; l < 2; l++) {
        MahalanobisLayerStatistics layer = maha.layers().get(l);
        JsonNode e = fx.get("mahalanobis").get(layers.get(l));
        assertClose(layer.classMeans(), e.get("means"), 1e-6);
        assertClose(layer.precision(), e.get("precision"), 1e-4);
      }
      assertThat(b.manifest().provenance().get("fits").toString())
          .contains("mahalanobis.input_perturbation=tuned over");
    }
  }

  /** Exact optima on both sides; the per-layer scores differ by float32 rounding only. */
  private static void assertWeights(String at, List<?> weights, double bias, JsonNode want) {
    double scale = Math.abs(want.get("intercept").asDouble());
    for (JsonNode v : want.get("coef")) {
      scale = Math.max(scale, Math.abs(v.asDouble()));
    }
    for (int l = 0; l < weights.size(); l++) {
      assertThat(((Number) weights.get(l)).doubleValue())
          .as("%s: weight %d", at, l)
          .isCloseTo(want.get("coef").get(l).asDouble(), within(1e-4 * scale));
    }
    assertThat(bias)
        .as("%s: bias", at)
        .isCloseTo(want.get("intercept").asDouble(), within(1e-4 * scale));
  }

  private static void assertClose(double[][] actual, JsonNode expected, double relTol) {
    double scale = 0;
    for (JsonNode row : expected) {
      for (JsonNode v : row) {
        scale = Math.max(scale, Math.abs(v.asDouble()));
      }
    }
    for (int i = 0; i < actual.length; i++) {
      for (int j = 0; j < actual[i].length; j++) {
        assertThat(actual[i][j])
            .as("[%d][%d]", i, j)
            .isCloseTo(expected.get(i).get(j).asDouble(), within(relTol * scale));
      }
    }
  }

  @Test
  void refusesToTuneWithoutValidationImagesOrWithTooFew() throws IOException {
    List<String> args = tuneArgs(dir.resolve("fitted"));
    int at = args.indexOf("--mahalanobis-validation");
    args.remove(at + 1);
    args.remove(at);
    assertThat(run(args.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("--mahalanobis-tune needs --mahalanobis-validation");

    err.getBuffer().setLength(0);
    List<String> tooFew = tuneArgs(dir.resolve("fitted"));
    tooFew.set(tooFew.indexOf("--mahalanobis-count") + 1, "30");
    assertThat(run(tooFew.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("needs more than --mahalanobis-count = 30", "has 30");
    assertThat(dir.resolve("fitted")).doesNotExist();
  }

  @Test
  void refusesUnlabelledValidationImages() {
    List<String> args = tuneArgs(dir.resolve("fitted"));
    args.set(args.indexOf("--mahalanobis-validation") + 1, dir.resolve("val").toString());
    assertThat(run(args.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("--mahalanobis-validation needs labelled images");
  }

  @Test
  void refusesABundleWithoutGradientGraphs() throws IOException {
    AtomicFiles.deleteTree(bundle);
    writeBundle(false);
    assertThat(run(tuneArgs(dir.resolve("fitted")).toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString())
        .contains("--mahalanobis-tune", "gradient graph", "--no-gradient-graphs");
    assertThat(dir.resolve("fitted")).doesNotExist();
  }

  @Test
  void refusesOptionsThatConflictWithTuning() {
    String[][] conflicts = {
      {"--mahalanobis-negatives", "neg", "drop --mahalanobis-negatives"},
      {"--mahalanobis-magnitude", "0.01", "drop --mahalanobis-magnitude"},
      {"--mahalanobis-combiner", "sum", "drop --mahalanobis-combiner sum"},
      {"--mahalanobis-fgsm-clamp", "none", "expected reference or image"},
      {"--mahalanobis-tune-magnitudes", "0,0.01,0", "repeats a magnitude"},
      {"--mahalanobis-tune-magnitudes", "-1", "expected finite numbers of 0 or more"},
    };
    for (String[] c : conflicts) {
      err.getBuffer().setLength(0);
      List<String> args = tuneArgs(dir.resolve("fitted"));
      args.addAll(List.of(c[0], c[1]));
      assertThat(run(args.toArray(String[]::new))).as(c[0]).isEqualTo(2);
      assertThat(err.toString()).as(c[0]).contains(c[2]);
    }
    err.getBuffer().setLength(0);
    List<String> paper = tuneArgs(dir.resolve("fitted"));
    paper.remove("--mahalanobis-count");
    paper.remove(String.valueOf(COUNT));
    paper.addAll(List.of("--paper", "--mahalanobis-tune-magnitudes", "0,0.1"));
    assertThat(run(paper.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("--paper tunes over");
    err.getBuffer().setLength(0);
    assertThat(
            run(
                "--out", dir.resolve("fitted").toString(),
                "--mahalanobis-fit", train.toString(),
                "--mahalanobis-combiner", "sum",
                "--mahalanobis-validation", valList.toString(),
                "--mahalanobis-tune-magnitudes", "0,0.1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("need --mahalanobis-tune");
  }
}
