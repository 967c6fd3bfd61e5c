package org.mos.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationTest {

  // 10 ID scores 0.1, 0.2, ..., 1.0 given out of order
  private final Calibration calibration =
      Calibration.of(
          Map.of("mos", new double[] {0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 1.0, 0.4, 0.8, 0.6}));

  @Test
  void thresholdKeepsAtLeastTheTargetShareOfIdScores() {
    // 0.8 of 10 = 8 kept: the 8th highest score is 0.3
    assertThat(calibration.threshold("mos", 0.8).orElseThrow())
        .isEqualTo(new Calibration.Threshold(0.3, 0.8));
    // 0.95 of 10 = 9.5 -> 10 kept: the lowest score, TPR 1
    assertThat(calibration.threshold("mos", 0.95).orElseThrow())
        .isEqualTo(new Calibration.Threshold(0.1, 1.0));
    // 0.05 -> 1 kept: the highest score
    assertThat(calibration.threshold("mos", 0.05).orElseThrow().threshold()).isEqualTo(1.0);
  }

  @Test
  void pValueIsTheShareOfIdScoresAtOrBelowTheScore() {
    assertThat(calibration.pValue("mos", 0.35)).contains(0.3);
    assertThat(calibration.pValue("mos", 0.3)).contains(0.3);
    assertThat(calibration.pValue("mos", 0.0)).contains(0.0);
    assertThat(calibration.pValue("mos", 5.0)).contains(1.0);
  }

  @Test
  void methodsWithoutScoresHaveNoThresholdAndBadTargetsAreRefused() {
    assertThat(calibration.threshold("msp", 0.95)).isEmpty();
    assertThat(calibration.pValue("msp", 0.1)).isEmpty();
    assertThatThrownBy(() -> calibration.threshold("mos", 0)).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> Calibration.of(Map.of("msp", new double[] {Double.NaN})))
        .hasMessageContaining("msp");
  }

  @Test
  void quantilesInterpolateOrderStatisticsLikeNumpy() {
    // numpy.quantile([3, 1, 4, 1.5, 9, 2.6], [0, 0.1, 0.5, 0.95, 1]) = [1, 1.25, 2.8, 7.75, 9]
    Calibration c = Calibration.of(Map.of("msp", new double[] {3, 1, 4, 1.5, 9, 2.6}));
    assertThat(c.quantiles("msp", new double[] {0, 0.1, 0.5, 0.95, 1}).orElseThrow())
        .containsExactly(
            new double[] {1, 1.25, 2.8, 7.75, 9}, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(c.quantiles("mos", new double[] {0.5})).isEmpty();
    assertThatThrownBy(() -> c.quantiles("msp", new double[] {1.5})).hasMessageContaining("1.5");
  }

  @Test
  void ksStatisticComparesALiveSampleWithTheCalibrationScores() {
    Calibration c = Calibration.of(Map.of("msp", new double[] {1, 2, 3, 4}));
    assertThat(c.ksStatistic("msp", new double[] {1, 2, 3, 4})).contains(0.0);
    // every live score below every ID score: the distribution functions are 1 apart
    assertThat(c.ksStatistic("msp", new double[] {-2, -1})).contains(1.0);
    assertThat(c.ksStatistic("mos", new double[] {1})).isEmpty();
  }
}
