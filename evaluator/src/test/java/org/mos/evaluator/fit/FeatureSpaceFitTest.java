package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;

/**
 * {@code mos fit --knn-fit/--vim-fit} end to end on the linear synthetic bundle; expected values
 * from scripts/fixtures/make_knn_vim_fixtures.py (numpy, scikit-learn and faiss as the authors
 * compute KNN and ViM).
 */
class FeatureSpaceFitTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Path bundle;
  private Path val;
  private Path cal;
  private JsonNode expected;

  @BeforeEach
  void bundleAndImages() throws IOException {
    JsonNode fx = FixtureImages.json("/fixtures/fit/synthetic_fit.json");
    expected = FixtureImages.json("/fixtures/fit/knn_vim_fit.json");
    bundle = dir.resolve("bundle");
    new SyntheticBundle(
            4,
            List.of("x", "y", "z"),
            null,
            FixtureImages.weights(fx),
            FixtureImages.bias(fx),
            Map.of())
        .writeTo(bundle);
    val = FixtureImages.writePngs(dir.resolve("val"), fx.get("images").get("val"));
    cal = FixtureImages.writePngs(dir.resolve("cal"), fx.get("images").get("cal"));
  }

  @Test
  void fitsTheKnnBankAndVimStatisticsAndCalibratesBothWithTheServedScores() throws Exception {
    Path fitted = dir.resolve("fitted");
    int code =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            fitted.toString(),
            "--knn-fit",
            val.toString(),
            "--knn-k",
            "3",
            "--vim-fit",
            val.toString(),
            "--calibrate",
            cal.toString(),
            "--calibrate-methods",
            "knn,vim");
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(fitted)) {
      BundleManifest.Statistics knn = b.manifest().statistics().get("knn");
      assertThat(knn.parameters()).containsEntry("k", 3).containsKey("fit_set");
      assertThat(knn.parameters().get("preprocessing").toString()).isNotEmpty();
      NpyArray bank = Npy.read(b.file(knn.files().get("bank")));
      assertThat(bank.dtype()).isEqualTo("<f4");
      JsonNode rows = expected.get("bank");
      assertThat(bank.shape()).containsExactly(rows.size(), 3);
      for (int i = 0; i < rows.size(); i++) {
        for (int j = 0; j < 3; j++) {
          assertThat(bank.values()[i * 3 + j])
              .as("bank[%d][%d]", i, j)
              .isCloseTo(rows.get(i).get(j).asDouble(), within(1e-6));
        }
      }
      BundleManifest.Statistics vim = b.manifest().statistics().get("vim");
      assertThat(vim.parameters()).containsEntry("principal_dim", 1);
      assertThat(((Number) vim.parameters().get("alpha")).doubleValue())
          .isCloseTo(expected.get("vim_alpha").asDouble(), within(1e-5));
      double[] origin = Npy.read(b.file(vim.files().get("origin"))).values();
      for (int j = 0; j < 3; j++) {
        assertThat(origin[j]).isCloseTo(expected.get("vim_origin").get(j).asDouble(), within(1e-6));
      }
      assertThat(BundleScorer.of(b).methods()).contains("knn", "vim");
      // calibration scores come from the new bundle's own scorer, in the order of the cal images
      for (String m : List.of("knn", "vim")) {
        double[] got = Npy.read(b.file("calibration_" + m + ".npy")).values();
        JsonNode want = expected.get(m + "_calibration");
        assertThat(got).hasSize(want.size());
        double[] sortedWant = new double[want.size()];
        for (int i = 0; i < want.size(); i++) {
          sortedWant[i] = want.get(i).asDouble();
        }
        java.util.Arrays.sort(sortedWant);
        double[] sortedGot = got.clone();
        java.util.Arrays.sort(sortedGot);
        assertThat(sortedGot).as(m).containsExactly(sortedWant, within(1e-5));
      }
    }
    // the spilled features are gone
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith(".mos-fit-features-"));
    }
  }

  @Test
  void anHnswIndexIsBuiltIntoTheBundleWithItsParametersAndCalibratesKnnAtARequestedK()
      throws Exception {
    Path fitted = dir.resolve("hnsw");
    int code =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            fitted.toString(),
            "--knn-fit",
            val.toString(),
            "--knn-k",
            "3",
            "--knn-index",
            "hnsw",
            "--knn-hnsw-m",
            "8",
            "--knn-hnsw-ef-search",
            "50",
            "--calibrate",
            cal.toString(),
            "--calibrate-methods",
            "knn,knn@k=5");
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(fitted)) {
      BundleManifest.Statistics knn = b.manifest().statistics().get("knn");
      assertThat(knn.files()).containsKeys("bank", "index");
      assertThat(knn.parameters())
          .containsEntry("index", "hnsw")
          .containsEntry("index_m", 8)
          .containsEntry("index_ef_construction", 100)
          .containsEntry("index_ef_search", 50)
          .containsEntry("index_library", "io.github.jbellis:jvector");
      assertThat(Files.size(b.file(knn.files().get("index")))).isPositive();
      // 12 rows: the graph search returns the exact neighbours, so the calibration scores are the
      // exact search's (the reference's, knn_vim_fit.json)
      double[] got = Npy.read(b.file(calibrationFile(b, "knn"))).values();
      double[] want = new double[expected.get("knn_calibration").size()];
      for (int i = 0; i < want.length; i++) {
        want[i] = expected.get("knn_calibration").get(i).asDouble();
      }
      java.util.Arrays.sort(got);
      java.util.Arrays.sort(want);
      assertThat(got).containsExactly(want, within(1e-5));
      assertThat(b.manifest().statistics().get("calibration").files()).containsKey("knn@k=5");
    }
    assertThat(out.toString()).contains("HNSW index built");
    int bad =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            dir.resolve("bad").toString(),
            "--knn-fit",
            val.toString(),
            "--knn-k",
            "3",
            "--knn-index",
            "ivf");
    assertThat(bad).isNotZero();
    assertThat(err.toString()).contains("--knn-index is 'ivf'; expected exact or hnsw");
    bad =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            dir.resolve("bad2").toString(),
            "--knn-fit",
            val.toString(),
            "--knn-k",
            "3",
            "--knn-hnsw-m",
            "8");
    assertThat(bad).isNotZero();
    assertThat(err.toString()).contains("the --knn-hnsw-* options need --knn-index hnsw");
  }

  private static String calibrationFile(ModelBundle b, String method) {
    return b.manifest().statistics().get("calibration").files().get(method);
  }

  @Test
  void aKLargerThanTheFitSetAndOptionsWithoutTheirFitSetAreRefusedByName() {
    int code =
        FixtureImages.fit(
            bundle, out, err, "--out", dir.resolve("a").toString(), "--knn-fit", val.toString());
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("K = 1000 but the fit set lists 12 images", "--knn-k");
    code =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            dir.resolve("b").toString(),
            "--knn-fit",
            val.toString(),
            "--vim-dim",
            "2");
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("--vim-dim needs --vim-fit");
    code =
        FixtureImages.fit(
            bundle,
            out,
            err,
            "--out",
            dir.resolve("c").toString(),
            "--vim-fit",
            val.toString(),
            "--vim-dim",
            "3");
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("principal dimension 3 must be in [0, 3)");
  }
}
