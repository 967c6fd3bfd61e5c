package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.Calibration;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.io.Npy;

/**
 * {@code mos fit} of ReAct, DICE, GEN and the parameter search on the linear synthetic bundle;
 * expected values from scripts/fixtures/make_shaping_fixtures.py (numpy, torch re-statements of the
 * authors' functions, scikit-learn's AUROC).
 */
class ShapingFitTest {

  private static JsonNode fit;
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
  static void readFixtures() throws IOException {
    fx = FixtureImages.json("/fixtures/fit/synthetic_fit.json");
    fit = FixtureImages.json("/fixtures/fit/shaping_fit.json");
  }

  @BeforeEach
  void bundleAndImages() throws IOException {
    bundle = dir.resolve("bundle");
    new SyntheticBundle(
            4,
            List.of("x", "y", "z"),
            null,
            FixtureImages.weights(fx),
            FixtureImages.bias(fx),
            Map.of())
        .writeTo(bundle);
    JsonNode images = fx.get("images");
    train = FixtureImages.writeClassFolders(dir.resolve("train"), images.get("train"));
    val = FixtureImages.writePngs(dir.resolve("val"), images.get("val"));
    neg = FixtureImages.writePngs(dir.resolve("neg"), images.get("neg"));
    cal = FixtureImages.writePngs(dir.resolve("cal"), images.get("cal"));
  }

  @Test
  void storesReactsClipDicesMeanAndGensParametersWithProvenanceAndCalibratesTheirScores()
      throws Exception {
    Path target = dir.resolve("fitted");
    int code =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            target.toString(),
            "--react-fit",
            val.toString(),
            "--dice-fit",
            train.toString(),
            "--gen-gamma",
            "0.5",
            "--gen-m",
            "2",
            "--calibrate",
            cal.toString(),
            "--calibrate-methods",
            "react,dice,ash-p@p=50,msp+ash-b@p=50,gen");
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(target)) {
      BundleManifest m = b.manifest();
      Map<String, Object> react = m.statistics().get("react").parameters();
      assertThat((Double) react.get("clip"))
          .isCloseTo(fit.get("react_clip").asDouble(), within(1e-6));
      assertThat(react).containsKeys("fit_set", "images", "unreadable_skipped", "preprocessing");
      assertThat(react.get("percentile")).isEqualTo(90.0);
      assertThat(react.get("images")).isEqualTo(12);
      float[] mean = Npy.read(b.file(m.statistics().get("dice").files().get("mean"))).toFloats();
      for (int j = 0; j < 3; j++) {
        assertThat((double) mean[j])
            .isCloseTo(fit.get("dice_mean").get(j).asDouble(), within(1e-6));
      }
      assertThat(m.statistics().get("gen").parameters()).containsEntry("gamma", 0.5);
      Calibration calibration = Calibration.read(b);
      check(calibration, "react", "react");
      check(calibration, "dice", "dice");
      check(calibration, "ash-p@p=50", "ash-p@p=50");
      check(calibration, "msp+ash-b@p=50", "msp+ash-b@p=50");
      // the bundle's stored gamma 0.5 and M 2 are GEN's defaults now
      check(calibration, "gen", "gen@gamma=0.5@m=2");
    }
  }

  /** The calibration scores of {@code method} are the fixture's scores of the cal images. */
  private static void check(Calibration calibration, String method, String fixtureKey) {
    JsonNode expected = fit.get("cal").get(fixtureKey);
    double[] sorted = new double[expected.size()];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = expected.get(i).asDouble();
    }
    java.util.Arrays.sort(sorted);
    // the threshold at TPR 1 is the lowest calibration score
    assertThat(calibration.threshold(method, 1.0).orElseThrow().threshold())
        .as(method)
        .isCloseTo(sorted[0], within(1e-5));
  }

  @Test
  void searchKeepsTheFirstBestGridPointAndRecordsTheGrid() throws Exception {
    Path target = dir.resolve("searched");
    int code =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            target.toString(),
            "--search-id",
            val.toString(),
            "--search-ood",
            neg.toString(),
            "--search-methods",
            "react,ash-b");
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(target)) {
      Map<String, Object> react = b.manifest().statistics().get("react").parameters();
      JsonNode chosen = fit.get("search").get("react_chosen");
      assertThat((Double) react.get("percentile")).isEqualTo(chosen.get("percentile").asDouble());
      assertThat((Double) react.get("clip")).isCloseTo(chosen.get("clip").asDouble(), within(1e-6));
      Map<?, ?> search = (Map<?, ?>) react.get("search");
      List<?> grid = (List<?>) search.get("grid");
      assertThat(grid).hasSize(4);
      for (int i = 0; i < 4; i++) {
        assertThat((Double) ((Map<?, ?>) grid.get(i)).get("auroc"))
            .isCloseTo(fit.get("search").get("react").get(i).get("auroc").asDouble(), within(1e-9));
      }
      Map<String, Object> ashb = b.manifest().statistics().get("ash-b").parameters();
      assertThat(ashb.get("p"))
          .isEqualTo(fit.get("search").get("ash-b_chosen").get("p").asDouble());
      List<?> ashGrid = (List<?>) ((Map<?, ?>) ashb.get("search")).get("grid");
      assertThat(((Map<?, ?>) ashGrid.get(6)).get("refused").toString())
          .contains("keeps no activation of 3");
    }
  }

  @Test
  void shapingOptionsWithoutTheirSetAreRefused() {
    int code =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            dir.resolve("x").toString(),
            "--gen-gamma",
            "0.5",
            "--react-percentile",
            "95");
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("--react-percentile and --react-count need --react-fit");
  }
}
