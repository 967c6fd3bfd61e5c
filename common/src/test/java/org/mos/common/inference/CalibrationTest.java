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
}
