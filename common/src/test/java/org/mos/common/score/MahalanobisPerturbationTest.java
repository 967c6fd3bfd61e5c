package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked cotangents and steps of Mahalanobis' input perturbation. Layer: means mu_0 = (0, 0),
 * mu_1 = (4, 0), precision P = [[2, 1], [1, 3]].
 */
class MahalanobisPerturbationTest {

  private static final MahalanobisScore SCORE =
      new MahalanobisScore(
          new MahalanobisStatistics(
              List.of(
                  new MahalanobisLayerStatistics(
                      new int[] {0, 1},
                      new double[][] {{0, 0}, {4, 0}},
                      new double[][] {{2, 1}, {1, 3}})),
              new double[] {1},
              0));

  @Test
  void cotangentIsThePrecisionTimesTheOffsetFromTheClosestMean() {
    // f = (3, 1): d_0 = (3,1) P (3,1)^T = 27, d_1 = (-1,1) P (-1,1)^T = 3 -> class 1,
    //   P (-1, 1) = (-1, 2).
    // f = (1, 0): d_0 = 2, d_1 = 18 -> class 0, P (1, 0) = (2, 1).
    FloatMatrix f = FloatMatrix.ofRows(new double[][] {{3, 1}, {1, 0}});
    float[] got = SCORE.layerCotangent(0, f);
    assertThat(got).containsExactly(new float[] {-1, 2, 2, 1}, within(1e-5f));
    assertThat(SCORE.layerScore(0, f)).containsExactly(new double[] {-1.5, -1}, within(1e-9));
  }

  @Test
  void tiesGoToTheFirstClass() {
    // f = (2, 0): d_0 = d_1 = 8 -> class 0, P (2, 0) = (4, 2)
    float[] got = SCORE.layerCotangent(0, FloatMatrix.ofRows(new double[][] {{2, 0}}));
    assertThat(got).containsExactly(new float[] {4, 2}, within(1e-5f));
  }

  @Test
  void stepsAgainstTheGradientSignCountingZeroAsPositive() {
    MahalanobisMagnitude p = new MahalanobisMagnitude(0.5);
    assertThat(p.perturb(new float[] {1, 1, 1}, new float[] {0, -3, 2}))
        .containsExactly(0.5f, 1.5f, 0.5f);
    assertThat(p.perturbs()).isTrue();
    assertThat(MahalanobisMagnitude.NONE.perturbs()).isFalse();
  }

  @Test
  void combinesPerLayerScoresWithTheRegression() {
    // sigmoid(0 + 1 * ln 3) = 0.75
    assertThat(SCORE.combine(new double[][] {{Math.log(3)}}))
        .containsExactly(new double[] {-0.75}, within(1e-12));
  }

  @Test
  void rejectsNegativeOrNonFiniteMagnitudesAndMismatchedLengths() {
    assertThatThrownBy(() -> new MahalanobisMagnitude(-0.01)).hasMessageContaining("-0.01");
    assertThatThrownBy(() -> new MahalanobisMagnitude(Double.NaN)).hasMessageContaining("NaN");
    assertThatThrownBy(() -> new MahalanobisMagnitude(1).perturb(new float[2], new float[3]))
        .hasMessageContaining("2 values");
    assertThatThrownBy(() -> SCORE.layerCotangent(1, FloatMatrix.ofRows(new double[][] {{1, 1}})))
        .hasMessageContaining("no layer 1");
    assertThatThrownBy(
            () -> SCORE.layerCotangent(0, FloatMatrix.ofRows(new double[][] {{1, 1, 1}})))
        .hasMessageContaining("3");
  }
}
