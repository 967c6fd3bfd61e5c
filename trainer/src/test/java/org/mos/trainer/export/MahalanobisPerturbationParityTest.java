package org.mos.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.MahalanobisMethodScorer;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.MahalanobisLayerStatistics;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisScore;
import org.mos.common.score.MahalanobisStatistics;

/**
 * Mahalanobis with input perturbation end to end: the small formula-weight bundle run by
 * MahalanobisMethodScorer (forward, per layer the VJP graph with the cotangent P (f - mu_c*) and a
 * forward of the perturbed input) against the float64 PyTorch reference of
 * make_mahalanobis_perturbation_fixtures.py, which follows the MOS repo's get_Mahalanobis_score on
 * random class means and SPD precisions.
 */
class MahalanobisPerturbationParityTest {

  private static final int BATCH = 3;
  private static final List<String> LAYERS =
      List.of("stem", "block1", "block2", "block3", "block4");

  @TempDir Path dir;

  @Test
  void perturbedLayerScoresMatchThePyTorchReference() throws Exception {
    MahalanobisScore score = new MahalanobisScore(statistics());
    OdinPerturbationParityTest.onSmallModel(
        dir,
        model -> {
          InputBatch batch = OdinPerturbationParityTest.formulaInput(model);
          double[][] plain = null;
          for (String m : new String[] {"0", "0.0014", "0.01"}) {
            double[][] got =
                MahalanobisMethodScorer.layerScores(
                    model,
                    batch,
                    BATCH,
                    score,
                    LAYERS,
                    new MahalanobisMagnitude(Double.parseDouble(m)));
            double[][] want = fixture("scores_m" + m).toMatrix();
            double worst = 0;
            for (int l = 0; l < LAYERS.size(); l++) {
              for (int i = 0; i < BATCH; i++) {
                worst = Math.max(worst, Math.abs(got[l][i] - want[l][i]) / Math.abs(want[l][i]));
                assertThat(Math.abs(got[l][i] - want[l][i]))
                    .as(
                        "m %s, %s, image %d: ours %s, PyTorch %s",
                        m, LAYERS.get(l), i, got[l][i], want[l][i])
                    .isLessThanOrEqualTo(1e-4 * Math.abs(want[l][i]));
              }
            }
            System.out.printf("m %s: worst relative difference of a layer score %.2g%n", m, worst);
            if (plain == null) {
              plain = want;
            } else {
              assertPerturbationMoved(m, plain, want);
            }
          }
        });
  }

  @Test
  void vjpGraphPullsTheLayerCotangentBackToTheReferenceGradient() throws Exception {
    MahalanobisScore score = new MahalanobisScore(statistics());
    OdinPerturbationParityTest.onSmallModel(
        dir,
        model -> {
          InputBatch batch = OdinPerturbationParityTest.formulaInput(model);
          FloatMatrix block2 = model.run(batch, BATCH, List.of("block2")).get("block2");
          float[] gradient =
              model.inputGradient(batch, BATCH, Map.of("block2", score.layerCotangent(2, block2)));
          VjpExporterTest.assertRelativelyClose(
              "block2 gradient", gradient, fixture("gradient_block2").toFloats(), 1e-4);
        });
  }

  @Test
  void perturbationNeedsTheGradientGraphsButMagnitudeZeroDoesNot() throws Exception {
    MahalanobisScore score = new MahalanobisScore(statistics());
    try (ModelBundle bundle =
            ModelBundle.open(OdinPerturbationParityTest.exportSmallBundle(dir, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      InputBatch batch = OdinPerturbationParityTest.formulaInput(model);
      double[][] plain =
          MahalanobisMethodScorer.layerScores(
              model, batch, BATCH, score, LAYERS, MahalanobisMagnitude.NONE);
      assertThat(plain[0][0])
          .isCloseTo(fixture("scores_m0").toMatrix()[0][0], offset(1e-4 * Math.abs(plain[0][0])));
      assertThatThrownBy(
              () ->
                  MahalanobisMethodScorer.layerScores(
                      model, batch, BATCH, score, LAYERS, new MahalanobisMagnitude(0.0014)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("0.0014");
    }
  }

  @Test
  void bundleScorerPerturbsByTheFittedMagnitudeAndCombinesTheLayerScores() throws Exception {
    double[] w = {0.01, -0.02, 0.005, 0.001, -0.002};
    double b = 0.5;
    MahalanobisStatistics fitted = statistics();
    MahalanobisStatistics stats = new MahalanobisStatistics(fitted.layers(), w, b);
    Path plain = OdinPerturbationParityTest.exportSmallBundle(dir, true);
    Path withStats = dir.resolve("fitted");
    try (ModelBundle in = ModelBundle.open(plain)) {
      BundleWriter writer = BundleWriter.to(withStats);
      for (String name : in.manifest().checksums().keySet()) {
        writer.copyFile(name, in.file(name));
      }
      byte[] json = new ObjectMapper().writeValueAsBytes(stats);
      writer.write("mahalanobis.json", o -> o.write(json));
      writer.commit(
          in.manifest()
              .withStatistics(
                  "mahalanobis",
                  new BundleManifest.Statistics(
                      Map.of("statistics", "mahalanobis.json"),
                      Map.of("layers", LAYERS, MahalanobisMagnitude.MANIFEST_PARAMETER, 0.0014))));
    }
    try (ModelBundle bundle = ModelBundle.open(withStats);
        BundleModel model =
            BundleModel.open(bundle, InferenceOptions.cpu().withIntraOpThreads(1))) {
      BundleScorer scorer = BundleScorer.of(bundle);
      ScoreRequest request = new ScoreRequest(List.of("mahalanobis"), 0.95, 0, false, false);
      assertThat(scorer.perturbedMethods(request)).containsExactly("mahalanobis");
      InputBatch batch = OdinPerturbationParityTest.formulaInput(model);
      Map<String, FloatMatrix> outputs =
          new LinkedHashMap<>(model.run(batch, BATCH, scorer.requiredOutputs(request)));
      // precomputed outputs cannot give the scores of perturbed inputs: the model is needed
      assertThatThrownBy(() -> scorer.score(outputs, request))
          .hasMessageContaining("0.0014")
          .hasMessageContaining("BundleScorer.score(model, batch, count, request)");
      ScoredBatch scored = scorer.score(model, batch, BATCH, request);
      double[][] reference = fixture("scores_m0.0014").toMatrix();
      for (int i = 0; i < BATCH; i++) {
        double z = b;
        for (int l = 0; l < w.length; l++) {
          z += w[l] * reference[l][i];
        }
        double want = -1 / (1 + Math.exp(-z));
        double got = scored.images().get(i).scores().get("mahalanobis");
        assertThat(got).as("image %d", i).isCloseTo(want, offset(1e-5));
      }
    }
  }

  private static void assertPerturbationMoved(String m, double[][] plain, double[][] perturbed) {
    double moved = 0;
    for (int l = 0; l < plain.length; l++) {
      for (int i = 0; i < plain[l].length; i++) {
        moved = Math.max(moved, Math.abs(perturbed[l][i] - plain[l][i]) / Math.abs(plain[l][i]));
      }
    }
    assertThat(moved).as("m %s: the perturbation changes the scores", m).isGreaterThan(1e-2);
  }

  /** The fixture's means and precisions P = A A^T + diag(d), rebuilt in float64. */
  static MahalanobisStatistics statistics() throws Exception {
    List<MahalanobisLayerStatistics> layers = new ArrayList<>();
    for (String name : LAYERS) {
      double[][] means = fixture(name + "_means").toMatrix();
      double[][] factor = fixture(name + "_factor").toMatrix();
      double[] diagonal = fixture(name + "_diagonal").values();
      int d = diagonal.length;
      double[][] precision = new double[d][d];
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
          double s = i == j ? diagonal[i] : 0;
          for (int k = 0; k < factor[i].length; k++) {
            s += factor[i][k] * factor[j][k];
          }
          precision[i][j] = s;
        }
      }
      layers.add(new MahalanobisLayerStatistics(new int[] {0, 1, 2}, means, precision));
    }
    return new MahalanobisStatistics(layers, new double[LAYERS.size()], 0);
  }

  static NpyArray fixture(String name) throws Exception {
    String path = "/fixtures/mahalanobis_perturbation/" + name + ".npy";
    try (InputStream in = MahalanobisPerturbationParityTest.class.getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      return Npy.read(in);
    }
  }
}
