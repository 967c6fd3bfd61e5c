package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.mos.common.layout.GroupLayout;

/** Scores of tiny batches worked out by hand (the arithmetic is in the comments). */
class HandWorkedScoresTest {

  private static final float LN2 = (float) Math.log(2);
  private static final float LN3 = (float) Math.log(3);

  @Test
  void mosIsMinusTheSmallestOthersProbability() {
    // Groups of sizes 2 and 1: logits [o0 a b | o1 c].
    // Row 0: group 0 = [ln 2, 0, 0] -> p(others) = 2 / (2 + 1 + 1) = 1/2;
    //        group 1 = [0, ln 3]    -> p(others) = 1 / (1 + 3) = 1/4.  MOS = -min = -1/4.
    // Row 1: group 0 = [0, 0, 0]    -> 1/3; group 1 = [ln 2, 0] -> 2/3.  MOS = -1/3.
    FloatMatrix logits = FloatMatrix.copyOf(new float[] {LN2, 0, 0, 0, LN3, 0, 0, 0, LN2, 0}, 2, 5);
    double[] mos = new MinimumOthersScore(GroupLayout.ofSizes(2, 1)).score(logits);
    assertThat(mos[0]).isCloseTo(-0.25, within(1e-7));
    assertThat(mos[1]).isCloseTo(-1.0 / 3, within(1e-7));
  }

  @Test
  void mosRejectsFlatLayoutsAndWrongLogitCounts() {
    assertThatThrownBy(() -> new MinimumOthersScore(GroupLayout.flat(4)))
        .hasMessageContaining("MOS needs a group layout");
    MinimumOthersScore mos = new MinimumOthersScore(GroupLayout.ofSizes(2, 1));
    assertThatThrownBy(() -> mos.score(FloatMatrix.copyOf(new float[4], 1, 4)))
        .hasMessageContaining("the model has 4 logits for 2 groups: expected sizes summing to 2");
  }

  @Test
  void logitBaselinesOnTwoClasses() {
    // Logits [0, ln 3]: softmax = [1/4, 3/4].
    FloatMatrix logits = FloatMatrix.copyOf(new float[] {0, LN3}, 1, 2);
    assertThat(new MaxSoftmaxProbability().score(logits)[0]).isCloseTo(0.75, within(1e-7));
    assertThat(new MaxLogit().score(logits)[0]).isCloseTo(Math.log(3), within(1e-7));
    // energy T=1: log(e^0 + e^ln3) = ln 4; T=2: 2 log(1 + 3^(1/2))
    assertThat(new EnergyScore().score(logits)[0]).isCloseTo(Math.log(4), within(1e-7));
    assertThat(new EnergyScore(2).score(logits)[0])
        .isCloseTo(2 * Math.log(1 + Math.sqrt(3)), within(1e-7));
    // ODIN T=1000: softmax([0, ln3 / 1000]) max = 1 / (1 + 3^(-1/1000))
    assertThat(new OdinScore().score(logits)[0])
        .isCloseTo(1 / (1 + Math.pow(3, -1e-3)), within(1e-9));
  }

  @Test
  void klMatchingIsMinusTheSmallestDivergence() {
    // d_0 = [1/2, 1/2], d_1 = [1/4, 3/4].
    // Row 0: logits [0, 0] -> p = [1/2, 1/2]: KL to d_0 = 0.  Score 0.
    // Row 1: logits [ln 3, 0] -> p = [3/4, 1/4]:
    //   KL to d_0 = 3/4 ln(3/2) + 1/4 ln(1/2); KL to d_1 = 3/4 ln 3 + 1/4 ln(1/3) = 1/2 ln 3.
    //   The first is smaller (0.1308 vs 0.5493).
    KlClassMeans means =
        new KlClassMeans(
            KlLabelSource.TRUE_LABELS, new int[] {0, 1}, new double[][] {{0.5, 0.5}, {0.25, 0.75}});
    double[] kl =
        new KlMatchingScore(means).score(FloatMatrix.copyOf(new float[] {0, 0, LN3, 0}, 2, 2));
    assertThat(kl[0]).isCloseTo(0, within(1e-12));
    assertThat(kl[1]).isCloseTo(-(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5)), within(1e-7));
  }

  @Test
  void mahalanobisWithIdentityPrecisionIsHalfTheSquaredDistanceToTheNearestMean() {
    // Means (0,0) and (4,0), P = I. f = (1,1): distances^2 2 and 10 -> s = -1.
    // P(OOD) = sigmoid(0.5 + 2 * -1) = 1 / (1 + e^1.5); score = -that.
    MahalanobisLayerStatistics layer =
        new MahalanobisLayerStatistics(
            new int[] {0, 1}, new double[][] {{0, 0}, {4, 0}}, new double[][] {{1, 0}, {0, 1}});
    MahalanobisScore score =
        new MahalanobisScore(
            new MahalanobisStatistics(java.util.List.of(layer), new double[] {2}, 0.5));
    FloatMatrix f = FloatMatrix.copyOf(new float[] {1, 1}, 1, 2);
    assertThat(score.perLayerScores(java.util.List.of(f))[0][0]).isCloseTo(-1, within(1e-12));
    assertThat(score.score(ModelOutputs.ofFeatures(java.util.List.of(f)))[0])
        .isCloseTo(-1 / (1 + Math.exp(1.5)), within(1e-12));
  }

  @Test
  void batchesRejectNonFiniteValuesNamingRowAndColumn() {
    assertThatThrownBy(
            () -> FloatMatrix.copyOf(new float[] {0, 1, 2, Float.POSITIVE_INFINITY}, 2, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("value at row 1, column 1 is Infinity");
    assertThatThrownBy(() -> FloatMatrix.copyOf(new float[] {Float.NaN}, 1, 1))
        .hasMessage("value at row 0, column 0 is NaN");
    assertThatThrownBy(() -> FloatMatrix.copyOf(new float[5], 2, 2))
        .hasMessage("a batch of 2 x 2 needs 4 values but got 5");
  }

  @Test
  void temperaturesMustBePositive() {
    assertThatThrownBy(() -> new EnergyScore(0))
        .hasMessage("energy: the temperature must be a positive finite number but got 0.0");
    assertThatThrownBy(() -> new OdinScore(Double.NaN)).hasMessageContaining("odin");
  }
}
