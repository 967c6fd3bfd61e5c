package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.Calibration;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.io.AtomicFiles;
import org.mos.common.io.Npy;
import org.mos.common.score.MahalanobisLayerStatistics;
import org.mos.common.score.MahalanobisStatistics;

/**
 * {@code mos fit} end to end through picocli on the linear synthetic bundle and 4x4 PNGs; expected
 * values from scripts/fixtures/make_fit_command_fixtures.py (numpy and scikit-learn).
 */
class FitCommandTest {

  private static JsonNode fx;

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Path bundle;
  private Path train;
  private Path val;
  private Path neg;
  private Path cal;

  @BeforeAll
  static void readFixture() throws IOException {
    fx = FixtureImages.json("/fixtures/fit/synthetic_fit.json");
  }

  @BeforeEach
  void bundleAndImages() throws IOException {
    bundle = dir.resolve("bundle");
    float[][] w = FixtureImages.weights(fx);
    float[] b = FixtureImages.bias(fx);
    // an old calibration that the fit must replace, not keep
    new SyntheticBundle(4, List.of("x", "y", "z"), null, w, b, Map.of("msp", new double[] {0.5}))
        .writeTo(bundle);
    JsonNode images = fx.get("images");
    train = FixtureImages.writeClassFolders(dir.resolve("train"), images.get("train"));
    val = FixtureImages.writePngs(dir.resolve("val"), images.get("val"));
    neg = FixtureImages.writePngs(dir.resolve("neg"), images.get("neg"));
    cal = FixtureImages.writePngs(dir.resolve("cal"), images.get("cal"));
  }

  private int run(String... args) {
    return FixtureImages.fit(bundle, out, err, args);
  }

  /** Runs a Mahalanobis fit on train, validated on val, with {@code combiner} and more options. */
  private int runMahalanobis(String out, String combiner, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--out",
                out,
                "--mahalanobis-fit",
                train.toString(),
                "--mahalanobis-combiner",
                combiner,
                "--mahalanobis-validation",
                val.toString()));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  private static Map<String, String> hashes(Path folder) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (var files = Files.list(folder)) {
      for (Path f : files.toList()) {
        out.put(
            f.getFileName().toString(),
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
      }
    }
    return out;
  }

  private static void assertMatrix(double[][] actual, JsonNode expected, double relTol) {
    assertThat(actual).hasNumberOfRows(expected.size());
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
  void fitsKlMahalanobisAndCalibrationIntoANewBundleAndLeavesTheInputUntouched() throws Exception {
    Map<String, String> before = hashes(bundle);
    Path fitted = dir.resolve("fitted");
    int code =
        run(
            "--out", fitted.toString(),
            "--kl-fit", train.toString(),
            "--mahalanobis-fit", train.toString(),
            "--mahalanobis-layers", "block1,features",
            "--mahalanobis-validation", val.toString(),
            "--mahalanobis-negatives", neg.toString(),
            "--calibrate", cal.toString(),
            "--batch-size", "5");
    assertThat(code).as(err.toString()).isZero();
    assertThat(hashes(bundle)).isEqualTo(before);
    assertThat(out.toString()).contains("choices (custom)", "kl.labels = true (default)");
    try (ModelBundle b = ModelBundle.open(fitted)) {
      BundleScorer scorer = BundleScorer.of(b);
      assertThat(scorer.methods()).contains("kl", "mahalanobis");
      // KL class means by true labels
      double[][] means = Npy.read(b.file(BundleFitter.KL_MEANS)).toMatrix();
      assertMatrix(means, fx.get("kl_true").get("means"), 1e-6);
      assertThat(Npy.read(b.file(BundleFitter.KL_CLASSES)).toInts()).containsExactly(0, 1, 2);
      // Mahalanobis layers and the logistic-regression combiner
      MahalanobisStatistics maha =
          new ObjectMapper()
              .readValue(b.file(BundleFitter.MAHALANOBIS).toFile(), MahalanobisStatistics.class);
      List<String> layers = List.of("block1", "features");
      for (int l = 0; l < 2; l++) {
        MahalanobisLayerStatistics layer = maha.layers().get(l);
        JsonNode e = fx.get("mahalanobis").get(layers.get(l));
        assertMatrix(layer.classMeans(), e.get("means"), 1e-6);
        assertMatrix(layer.precision(), e.get("precision"), 1e-4);
      }
      JsonNode lr = fx.get("lr");
      for (int l = 0; l < 2; l++) {
        double wl = lr.get("exact_coef").get(l).asDouble();
        assertThat(maha.regressionWeights()[l]).isCloseTo(wl, within(1e-4 * Math.abs(wl)));
      }
      assertThat(maha.regressionBias())
          .isCloseTo(lr.get("exact_intercept").asDouble(), within(1e-4));
      // calibration scores of every method, from the new bundle's own scorer
      Calibration calibration = Calibration.read(b);
      for (var e : fx.get("calibration").properties()) {
        double[] got = Npy.read(b.file("calibration_" + e.getKey() + ".npy")).values();
        assertThat(got).as(e.getKey()).hasSize(e.getValue().size());
        for (int i = 0; i < got.length; i++) {
          assertThat(got[i])
              .as("%s[%d]", e.getKey(), i)
              .isCloseTo(e.getValue().get(i).asDouble(), within(1e-5));
        }
        assertThat(calibration.threshold(e.getKey(), 0.95)).isPresent();
      }
      assertThat(calibration.count("msp")).isEqualTo(9); // the old single score is gone
      BundleManifest m = b.manifest();
      assertThat(m.statistics().get("kl").parameters()).containsEntry("labels", "true");
      assertThat(m.statistics().get("mahalanobis").parameters().get("layers")).isEqualTo(layers);
      assertThat(m.statistics().get("mahalanobis").parameters().toString())
          .contains("negatives", neg.toString(), "input_perturbation_magnitude=0.0", "images=12");
      assertThat(m.statistics().get("kl").parameters().toString()).contains("images=24");
      List<?> fits = (List<?>) m.provenance().get("fits");
      Map<?, ?> fit = (Map<?, ?>) fits.get(0);
      assertThat(fit.get("fitted")).isEqualTo(List.of("kl", "mahalanobis", "calibration"));
      assertThat(fit.get("choices")).isEqualTo("custom");
      assertThat(fit.get("input_bundle")).isEqualTo(bundle.toAbsolutePath().toString());
      assertThat(m.provenance()).containsEntry("source", "SyntheticBundle");
    }
  }

  @Test
  void fitsKlByPredictedLabelsWithoutNeedingLabels() throws Exception {
    Path fitted = dir.resolve("fitted");
    // the ID validation folder has no class folders: fine for predicted labels
    Path flatTrain = dir.resolve("flat-train");
    JsonNode images = fx.get("images").get("train");
    List<JsonNode> all = new ArrayList<>();
    for (String c : List.of("x", "y", "z")) {
      images.get(c).forEach(all::add);
    }
    FixtureImages.writePngs(flatTrain, new ObjectMapper().valueToTree(all));
    int code =
        run(
            "--out",
            fitted.toString(),
            "--kl-fit",
            flatTrain.toString(),
            "--kl-labels",
            "predicted");
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(fitted)) {
      JsonNode e = fx.get("kl_predicted");
      int[] classes = Npy.read(b.file(BundleFitter.KL_CLASSES)).toInts();
      assertThat(classes).hasSize(e.get("classes").size());
      for (int i = 0; i < classes.length; i++) {
        assertThat(classes[i]).isEqualTo(e.get("classes").get(i).asInt());
      }
      assertMatrix(Npy.read(b.file(BundleFitter.KL_MEANS)).toMatrix(), e.get("means"), 1e-6);
      assertThat(b.manifest().statistics().get("kl").parameters())
          .containsEntry("labels", "predicted");
      // KL was refitted without --calibrate: the bundle's old calibration (msp) is kept
      assertThat(Calibration.read(b).count("msp")).isEqualTo(1);
    }
  }

  @Test
  void standardisesASingleLayerOnTheIdValidationImagesWithoutNegatives() throws Exception {
    Path fitted = dir.resolve("fitted");
    int code =
        run(
            "--out", fitted.toString(),
            "--mahalanobis-fit", train.toString(),
            "--mahalanobis-layers", "block1,features",
            "--mahalanobis-combiner", "single:features",
            "--mahalanobis-validation", val.toString());
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(fitted)) {
      MahalanobisStatistics maha =
          new ObjectMapper()
              .readValue(b.file(BundleFitter.MAHALANOBIS).toFile(), MahalanobisStatistics.class);
      double mean = fx.get("single_features").get("mean").asDouble();
      double sd = fx.get("single_features").get("sd").asDouble();
      assertThat(maha.regressionWeights()[0]).isZero();
      assertThat(maha.regressionWeights()[1]).isCloseTo(-1 / sd, within(1e-4 / sd));
      assertThat(maha.regressionBias()).isCloseTo(mean / sd, within(1e-4 * Math.abs(mean / sd)));
      assertThat(b.manifest().statistics().get("mahalanobis").parameters().toString())
          .contains("kind=single:features")
          .doesNotContain("negatives");
    }
  }

  @Test
  void refusesTheLogisticCombinerWithoutNegativesNamingTheOption() {
    Path fitted = dir.resolve("fitted");
    int code =
        run(
            "--out", fitted.toString(),
            "--mahalanobis-fit", train.toString(),
            "--mahalanobis-validation", val.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("--mahalanobis-negatives", "--mahalanobis-combiner sum or single:LAYER");
    assertThat(fitted).doesNotExist();
  }

  @Test
  void refusesInputPerturbationWithoutTheGradientsItNeeds() throws Exception {
    String[] maha = {
      "--mahalanobis-fit",
      train.toString(),
      "--mahalanobis-layers",
      "block1",
      "--mahalanobis-combiner",
      "sum",
      "--mahalanobis-validation",
      val.toString()
    };
    List<String> args = new ArrayList<>(List.of("--out", dir.resolve("fitted").toString()));
    args.addAll(List.of(maha));
    args.addAll(List.of("--mahalanobis-magnitude", "0.01"));
    // this bundle has no gradient graphs
    assertThat(run(args.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("--mahalanobis-magnitude 0.01", "no gradient graphs");
    // the synthetic VJP graph pulls back logits only: no cotangent for block1
    float[][] w = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    AtomicFiles.deleteTree(bundle);
    new SyntheticBundle(4, List.of("x", "y", "z"), null, w, new float[3], Map.of())
        .writeTo(bundle, true);
    err.getBuffer().setLength(0);
    assertThat(run(args.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("--mahalanobis-magnitude 0.01", "'block1'");
    assertThat(dir.resolve("fitted")).doesNotExist();
    args.set(args.size() - 1, "-0.5");
    err.getBuffer().setLength(0);
    assertThat(run(args.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("--mahalanobis-magnitude is -0.5");
    assertThat(run("--out", "x", "--calibrate", cal.toString(), "--mahalanobis-magnitude", "0.01"))
        .isEqualTo(2);
  }

  @Test
  void refusesAFitSetWithoutLabels() {
    int code = run("--out", dir.resolve("fitted").toString(), "--kl-fit", val.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--kl-fit needs labelled images", "no class folders");
  }

  @Test
  void refusesALayerTheBundleDoesNotExport() {
    int code =
        run(
            "--out", dir.resolve("fitted").toString(),
            "--mahalanobis-fit", train.toString(),
            "--mahalanobis-layers", "block9",
            "--mahalanobis-combiner", "sum",
            "--mahalanobis-validation", val.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("'block9'", "block1", "features");
  }

  @Test
  void paperNeedsTheStemAndAllFourBlocks() {
    int code =
        run(
            "--out",
            dir.resolve("fitted").toString(),
            "--paper",
            "--mahalanobis-fit",
            train.toString(),
            "--mahalanobis-validation",
            val.toString(),
            "--mahalanobis-negatives",
            neg.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--paper", "no output 'stem'");
  }

  @Test
  void paperRecordsItsChoicesAndRefusesConflictingOnes() throws Exception {
    Path fitted = dir.resolve("fitted");
    assertThat(run("--out", fitted.toString(), "--paper", "--kl-fit", train.toString()))
        .as(err.toString())
        .isZero();
    assertThat(out.toString()).contains("choices (paper)", "kl.labels = true (paper)");
    try (ModelBundle b = ModelBundle.open(fitted)) {
      Map<?, ?> fit = (Map<?, ?>) ((List<?>) b.manifest().provenance().get("fits")).get(0);
      assertThat(fit.get("choices")).isEqualTo("paper");
      assertThat(b.manifest().statistics().get("kl").parameters())
          .containsEntry("choices", "paper");
    }
    int code =
        run(
            "--out",
            dir.resolve("other").toString(),
            "--paper",
            "--kl-fit",
            train.toString(),
            "--kl-labels",
            "predicted");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--paper groups the KL fit set by true labels");
  }

  @Test
  void skipsAndCountsUnreadableImagesOrStopsByPolicy() throws Exception {
    Files.writeString(cal.resolve("broken.png"), "not a png");
    Path fitted = dir.resolve("fitted");
    assertThat(run("--out", fitted.toString(), "--calibrate", cal.toString()))
        .as(err.toString())
        .isZero();
    assertThat(err.toString()).contains("broken.png", "1 unreadable skipped");
    try (ModelBundle b = ModelBundle.open(fitted)) {
      assertThat(Calibration.read(b).count("msp")).isEqualTo(9);
      assertThat(b.manifest().statistics().get("calibration").parameters().toString())
          .contains("unreadable_skipped=1", "images=9");
    }
    int code =
        run(
            "--out", dir.resolve("other").toString(),
            "--calibrate", cal.toString(),
            "--on-bad-image", "fail");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("broken.png", "--on-bad-image skip");
    assertThat(dir.resolve("other")).doesNotExist();
  }

  @Test
  void refusesToOverwriteTheInputOrAnExistingFolder() throws IOException {
    assertThat(run("--out", bundle.toString(), "--calibrate", cal.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("is the input bundle");
    Files.createDirectories(dir.resolve("taken"));
    assertThat(run("--out", dir.resolve("taken").toString(), "--calibrate", cal.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("already exists", "--replace");
    assertThat(
            run(
                "--out",
                dir.resolve("taken").toString(),
                "--replace",
                "--calibrate",
                cal.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("is not a bundle");
    assertThat(run("--out", dir.toString(), "--replace", "--calibrate", cal.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("holds it");
    assertThat(bundle.resolve("manifest.json")).exists();
  }

  @Test
  void replacesAPreviousFitWhenAsked() throws Exception {
    Path fitted = dir.resolve("fitted");
    assertThat(run("--out", fitted.toString(), "--calibrate", cal.toString())).isZero();
    assertThat(run("--out", fitted.toString(), "--replace", "--kl-fit", train.toString()))
        .as(err.toString())
        .isZero();
    try (ModelBundle b = ModelBundle.open(fitted)) {
      assertThat(b.manifest().statistics()).containsKey("kl");
    }
  }

  @Test
  void helpNamesEveryStatisticAndTheMainOptions() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains(
            "--kl-fit",
            "--kl-labels",
            "--mahalanobis-negatives",
            "--mahalanobis-combiner",
            "--calibrate",
            "--paper",
            "--on-bad-image",
            "never changed");
  }

  @Test
  void dropsTheCalibrationOfARefittedMethodUnlessRecalibrated() throws Exception {
    Path withKl = dir.resolve("with-kl");
    assertThat(
            run(
                "--out",
                withKl.toString(),
                "--kl-fit",
                train.toString(),
                "--calibrate",
                cal.toString()))
        .as(err.toString())
        .isZero();
    bundle = withKl;
    Path refitted = dir.resolve("refitted");
    assertThat(
            run(
                "--out",
                refitted.toString(),
                "--kl-fit",
                train.toString(),
                "--kl-labels",
                "predicted"))
        .as(err.toString())
        .isZero();
    assertThat(err.toString()).contains("dropped the calibration scores of 'kl'");
    try (ModelBundle b = ModelBundle.open(refitted)) {
      Calibration c = Calibration.read(b);
      assertThat(c.has("kl")).isFalse();
      assertThat(c.count("msp")).isEqualTo(9);
      List<?> fits = (List<?>) b.manifest().provenance().get("fits");
      assertThat(fits).hasSize(2); // the history of fits is kept
    }
  }

  @Test
  void refusesBadOrPointlessOptionsWithExitCode2() {
    String o = dir.resolve("fitted").toString();
    assertThat(run("--out", o)).isEqualTo(2);
    assertThat(err.toString()).contains("nothing to fit");
    assertThat(run("--out", o, "--kl-fit", train.toString(), "--kl-labels", "maybe")).isEqualTo(2);
    assertThat(err.toString()).contains("--kl-labels is 'maybe'; expected true or predicted");
    assertThat(runMahalanobis(o, "sum", "--mahalanobis-negatives", neg.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("only used by --mahalanobis-combiner lr");
    assertThat(runMahalanobis(o, "median")).isEqualTo(2);
    assertThat(err.toString()).contains("expected lr, sum or single:LAYER");
    assertThat(run("--out", o, "--calibrate", cal.toString(), "--calibrate-methods", "mos"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("'mos'", "supports only");
    assertThat(run("--out", o, "--calibrate-methods", "msp")).isEqualTo(2);
    assertThat(run("--out", o, "--calibrate", cal.toString(), "--on-bad-image", "retry"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("expected skip or fail");
    bundle = dir.resolve("missing");
    assertThat(run("--out", o, "--calibrate", cal.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--bundle " + bundle + " does not exist");
    assertThat(dir.resolve("fitted")).doesNotExist();
  }
}
