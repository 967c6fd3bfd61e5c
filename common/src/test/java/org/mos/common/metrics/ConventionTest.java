package org.mos.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConventionTest {

  @Test
  void looksUpConventionsByTheirIds() {
    assertThat(Convention.fromId("paper")).isEqualTo(Convention.PAPER);
    assertThat(Convention.fromId("openood")).isEqualTo(Convention.OPENOOD);
    assertThat(Convention.OPENOOD).hasToString("openood");
  }

  @Test
  void rejectsUnknownIdsListingTheValidOnes() {
    assertThatThrownBy(() -> Convention.fromId("PAPER"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown metrics convention 'PAPER': expected one of paper, openood");
  }

  @Test
  void meanAveragesEachMetric() {
    OodMetrics mean =
        OodMetrics.mean(
            List.of(new OodMetrics(1, 0.5, 0.25, 0), new OodMetrics(0.5, 0.5, 0.75, 1)));
    assertThat(mean).isEqualTo(new OodMetrics(0.75, 0.5, 0.5, 0.5));
  }

  @Test
  void metricsMustBeFractions() {
    assertThatThrownBy(() -> new OodMetrics(0.5, 0.5, 0.5, 95.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fpr95 is 95.0: expected a fraction in [0, 1]");
    assertThatThrownBy(() -> OodMetrics.mean(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
