package org.mos.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.mos.common.layout.GroupLayout;

class PredictionsTest {

  private final GroupLayout layout = GroupLayout.ofSizes(2, 2);

  @Test
  void groupRuleComparesProbabilitiesWithinSlicesNotRawLogits() {
    // group 0: others 5, a 4, b 0 -> p(a) = e^4 / (e^5 + e^4 + 1) = 0.27
    // group 1: others -5, c 1, d 0 -> p(c) = e / (e^-5 + e + 1) = 0.73: group 1, class c wins
    float[] logits = {5, 4, 0, -5, 1, 0};
    assertThat(Predictions.grouped(logits, layout)).containsExactly(0, 1);
    assertThat(Predictions.flat(logits)).isZero();
  }

  @Test
  void groupAccuracyNeedsGroupAndClassRight() {
    float[][] logits = {{5, 4, 0, -5, 1, 0}, {0, 0, 3, 0, 0, 0}, {0, 3, 0, 0, 0, 0}};
    int[][] labels = {{0, 1}, {2, 0}, {0, 1}};
    assertThat(Predictions.groupAccuracy(logits, labels, layout)).isEqualTo(2.0 / 3);
  }

  @Test
  void flatAccuracyCountsArgmaxHits() {
    float[][] logits = {{0, 1}, {1, 0}, {0, 2}, {3, 0}};
    assertThat(Predictions.flatAccuracy(logits, new int[] {1, 0, 0, 1})).isEqualTo(0.5);
  }

  @Test
  void rejectsLabelsThatNameNoGroupOrTwo() {
    float[][] logits = {{0, 0, 0, 0, 0, 0}};
    assertThatThrownBy(() -> Predictions.groupAccuracy(logits, new int[][] {{1, 1}}, layout))
        .hasMessageContaining("[1, 1]")
        .hasMessageContaining("exactly one group");
    assertThatThrownBy(() -> Predictions.groupAccuracy(logits, new int[][] {{3, 0}}, layout))
        .hasMessageContaining("0..2");
  }
}
