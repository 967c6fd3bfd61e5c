package org.mos.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HyperRuleTest {

  private static double lr(HyperRule rule, int step) {
    return rule.learningRate(step).orElseThrow();
  }

  @Test
  void smallSetsWarmUpForHundredStepsAndStopAtFiveHundred() {
    HyperRule rule = HyperRule.forDataset(19_999, 512);
    assertThat(rule.supports()).containsExactly(100, 200, 300, 400, 500);
    assertThat(rule.mixupAlpha()).isZero();
    assertThat(lr(rule, 0)).isZero();
    assertThat(lr(rule, 50)).isCloseTo(0.0015, within(1e-15));
    assertThat(lr(rule, 99)).isCloseTo(0.003 * 99 / 100, within(1e-15));
    assertThat(lr(rule, 100)).isEqualTo(0.003);
    // a boundary is passed only after it: step 200 still runs at the full rate
    assertThat(lr(rule, 200)).isEqualTo(0.003);
    assertThat(lr(rule, 201)).isCloseTo(0.0003, within(1e-15));
    assertThat(lr(rule, 301)).isCloseTo(0.00003, within(1e-15));
    assertThat(lr(rule, 401)).isCloseTo(0.000003, within(1e-16));
    assertThat(lr(rule, 499)).isCloseTo(0.000003, within(1e-16));
    assertThat(rule.learningRate(500)).isEmpty();
    assertThat(rule.totalSteps()).isEqualTo(500);
  }

  @Test
  void mediumAndLargeSetsUseTheLongerSchedulesWithMixup() {
    HyperRule medium = HyperRule.forDataset(20_000, 512);
    assertThat(medium.supports()).containsExactly(500, 3000, 6000, 9000, 10_000);
    assertThat(medium.mixupAlpha()).isEqualTo(0.1);
    assertThat(lr(medium, 3001)).isCloseTo(0.0003, within(1e-15));
    assertThat(medium.learningRate(10_000)).isEmpty();
    HyperRule large = HyperRule.forDataset(1_281_167, 512);
    assertThat(large.supports()).containsExactly(500, 6000, 12_000, 18_000, 20_000);
    assertThat(HyperRule.forDataset(499_999, 512).supports()).contains(10_000);
    assertThat(large.mixupAlpha()).isEqualTo(0.1);
  }

  @Test
  void learningRateScalesWithTheBatchLikeBit() {
    assertThat(HyperRule.forDataset(1000, 128).baseLearningRate()).isEqualTo(0.00075);
    assertThat(HyperRule.forDataset(1000, 512).baseLearningRate()).isEqualTo(0.003);
  }

  @Test
  void aGivenNumberOfStepsScalesTheBoundariesAndDropsCoincidingOnes() {
    HyperRule small = HyperRule.forDataset(1000, 512); // 100, 200, 300, 400, 500
    // 1000 / 500 = 2: every boundary doubles
    assertThat(small.withTotalSteps(1000).supports()).containsExactly(200, 400, 600, 800, 1000);
    // 3 / 500: 0.6 -> 1, 1.2 -> 1 (dropped), 1.8 -> 2, 2.4 -> 2 (dropped), end 3
    assertThat(small.withTotalSteps(3).supports()).containsExactly(1, 2, 3);
    assertThat(small.withTotalSteps(3).baseLearningRate()).isEqualTo(0.003);
    assertThatThrownBy(() -> small.withTotalSteps(1)).hasMessageContaining("at least 2");
  }
}
