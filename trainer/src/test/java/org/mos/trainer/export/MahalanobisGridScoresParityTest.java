package org.mos.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.fit.MahalanobisGridScores;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisScore;
import org.mos.trainer.weights.FormulaWeights;

/**
 * The tuning's grid scores (one gradient per layer reused for every magnitude) on the small
 * formula-weight BiT bundle equal, magnitude by magnitude, the float64 PyTorch reference of
 * make_mahalanobis_perturbation_fixtures.py (the MOS repo's get_Mahalanobis_score), whatever the
 * magnitudes' order in the grid.
 */
class MahalanobisGridScoresParityTest {

  private static final int BATCH = 3;
  private static final int SIZE = 40;
  private static final List<String> LAYERS =
      List.of("stem", "block1", "block2", "block3", "block4");

  @TempDir Path dir;

  @Test
  void everyMagnitudeOfTheGridMatchesThePyTorchReference() throws Exception {
    MahalanobisScore score = new MahalanobisScore(MahalanobisPerturbationParityTest.statistics());
    List<String> magnitudes = List.of("0.01", "0", "0.0014");
    OdinPerturbationParityTest.onSmallModel(
        dir,
        model -> {
          float[] x = FormulaWeights.values("input", BATCH * 3 * SIZE * SIZE);
          double[][][] got =
              MahalanobisGridScores.layerScores(
                  model,
                  x,
                  BATCH,
                  score,
                  LAYERS,
                  magnitudes.stream()
                      .map(m -> new MahalanobisMagnitude(Double.parseDouble(m)))
                      .toList());
          for (int k = 0; k < magnitudes.size(); k++) {
            double[][] want =
                MahalanobisPerturbationParityTest.fixture("scores_m" + magnitudes.get(k))
                    .toMatrix();
            for (int l = 0; l < LAYERS.size(); l++) {
              for (int i = 0; i < BATCH; i++) {
                assertThat(Math.abs(got[k][l][i] - want[l][i]))
                    .as("m %s, %s, image %d", magnitudes.get(k), LAYERS.get(l), i)
                    .isLessThanOrEqualTo(1e-4 * Math.abs(want[l][i]));
              }
            }
          }
        });
  }
}
