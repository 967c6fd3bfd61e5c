package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mos.common.TestFixtures;

/**
 * Mahalanobis fitting and scoring against the reference of make_score_fixtures.py: class means and
 * sklearn's EmpiricalCovariance (precision = pinvh) on class-centred features; per-layer scores by
 * the direct formula max_c -1/2 (f - mu_c)^T P (f - mu_c). Layers 0 and 1 are full rank (5 and 8
 * dimensions, 30 rows), layer 2 is rank-deficient (12 dimensions, 8 rows, 2 classes).
 */
class MahalanobisTest {

  private static FloatMatrix batch(String name) {
    return FloatMatrix.of(TestFixtures.npy("scores", name));
  }

  private static MahalanobisLayerStatistics fitLayer(int l) {
    return OneShotFits.mahalanobisLayer(
        batch("maha_l" + l + "_fit.npy"),
        TestFixtures.npy("scores", "maha_l" + l + "_labels.npy").toInts());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void fitsClassMeansAndTiedPrecisionLikeSklearn(int l) {
    MahalanobisLayerStatistics layer = fitLayer(l);
    double[] means = TestFixtures.scores("maha_l" + l + "_means.npy");
    double[] precision = TestFixtures.scores("maha_l" + l + "_precision.npy");
    int d = layer.dims();
    double[][] fittedMeans = layer.classMeans();
    for (int c = 0; c < fittedMeans.length; c++) {
      for (int i = 0; i < d; i++) {
        assertThat(fittedMeans[c][i]).isCloseTo(means[c * d + i], within(1e-12));
      }
    }
    double scale = 0;
    for (double p : precision) {
      scale = Math.max(scale, Math.abs(p));
    }
    double[][] fitted = layer.precision();
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        assertThat(fitted[i][j])
            .as("precision[%d][%d] of layer %d", i, j, l)
            .isCloseTo(precision[i * d + j], within(1e-8 * scale));
      }
    }
  }

  @Test
  void scoresPerLayerAndCombinesWithTheRegression() {
    List<MahalanobisLayerStatistics> layers = new ArrayList<>();
    List<FloatMatrix> test = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      layers.add(fitLayer(l));
      test.add(batch("maha_l" + l + "_test.npy"));
    }
    double[] weights = TestFixtures.scores("maha_weights.npy");
    MahalanobisScore score = new MahalanobisScore(new MahalanobisStatistics(layers, weights, 0.3));
    double[][] perLayer = score.perLayerScores(test);
    for (int l = 0; l < 3; l++) {
      double[] expected = TestFixtures.scores("maha_l" + l + "_scores.npy");
      for (int r = 0; r < expected.length; r++) {
        assertThat(perLayer[l][r])
            .as("layer %d row %d", l, r)
            .isCloseTo(expected[r], within(1e-7 * Math.max(1, Math.abs(expected[r]))));
      }
    }
    double[] expected = TestFixtures.scores("maha_final.npy");
    double[] actual = score.score(ModelOutputs.ofFeatures(test));
    for (int r = 0; r < expected.length; r++) {
      assertThat(actual[r]).as("row %d", r).isCloseTo(expected[r], within(1e-9));
    }
  }

  @Test
  void statisticsRoundTripThroughJackson() throws Exception {
    ObjectMapper json = new ObjectMapper();
    MahalanobisStatistics stats =
        new MahalanobisStatistics(List.of(fitLayer(0)), new double[] {0.5}, -1.25);
    String text = json.writeValueAsString(stats);
    assertThat(json.readValue(text, MahalanobisStatistics.class)).isEqualTo(stats);
    KlClassMeans means =
        new KlClassMeans(
            KlLabelSource.PREDICTED_LABELS, new int[] {2}, new double[][] {{0.5, 0.5}});
    assertThat(json.readValue(json.writeValueAsString(means), KlClassMeans.class)).isEqualTo(means);
  }

  @Test
  void rejectsFeaturesOfTheWrongShape() {
    MahalanobisScore score =
        new MahalanobisScore(new MahalanobisStatistics(List.of(fitLayer(0)), new double[] {1}, 0));
    assertThatThrownBy(() -> score.perLayerScores(List.of(batch("maha_l1_test.npy"))))
        .hasMessage("mahalanobis: layer 0 was fitted on 5-dimensional features but got 8");
    assertThatThrownBy(() -> score.perLayerScores(List.of()))
        .hasMessage("mahalanobis: fitted for 1 layers but got features of 0");
    assertThatThrownBy(
            () -> new MahalanobisStatistics(List.of(fitLayer(0)), new double[] {1, 2}, 0))
        .hasMessage("got 2 regression weights for 1 layers");
  }
}
