package org.mos.evaluator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.metrics.Convention;

class ReportChartsTest {

  @Test
  void decimationKeepsEndsAndPointsThatMoveByTheResolution() {
    double[] x = {0, 0.001, 0.002, 0.5, 0.5004, 1};
    double[] y = {0, 0.0001, 0.3, 0.5, 0.5003, 1};
    double[][] kept = ReportCharts.decimate(x, y, 0.01);
    // 0.001/0.0001 is within 0.01 of (0, 0); 0.5004/0.5003 within 0.01 of (0.5, 0.5).
    assertThat(kept[0]).containsExactly(0, 0.002, 0.5, 1);
    assertThat(kept[1]).containsExactly(0, 0.3, 0.5, 1);
  }

  @Test
  void decimationOfALongStaircaseStaysCloseToEveryPoint() {
    int n = 100_001;
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = (i / 2) / 50_000.0;
      y[i] = ((i + 1) / 2) / 50_000.0;
    }
    double[][] kept = ReportCharts.decimate(x, y, ReportCharts.ROC_RESOLUTION);
    assertThat(kept[0].length).isLessThan(5_000);
    // Every dropped point is within the resolution of the last kept point before it.
    int k = 0;
    for (int i = 0; i < n; i++) {
      while (k + 1 < kept[0].length && kept[0][k + 1] <= x[i] && kept[1][k + 1] <= y[i]) {
        k++;
      }
      assertThat(Math.abs(x[i] - kept[0][k])).isLessThan(ReportCharts.ROC_RESOLUTION);
      assertThat(Math.abs(y[i] - kept[1][k])).isLessThan(ReportCharts.ROC_RESOLUTION);
    }
  }

  @Test
  void drawsHistogramsOfExtremeAndMissingScores() {
    Map<String, double[]> sets = new LinkedHashMap<>();
    sets.put("id", new double[] {-1e308, 1e308, Double.NaN});
    sets.put("ood", new double[] {Double.NEGATIVE_INFINITY, 0});
    BufferedImage wide = ReportCharts.histogram("wide", ScoreHistogram.of(sets));
    assertThat(wide.getWidth()).isEqualTo(ReportCharts.HISTOGRAM_WIDTH);
    BufferedImage none =
        ReportCharts.histogram("none", ScoreHistogram.of(Map.of("id", new double[] {Double.NaN})));
    assertThat(none.getHeight()).isEqualTo(ReportCharts.HISTOGRAM_HEIGHT);
    BufferedImage constant =
        ReportCharts.histogram("constant", ScoreHistogram.of(Map.of("id", new double[] {3, 3})));
    assertThat(constant.getWidth()).isEqualTo(ReportCharts.HISTOGRAM_WIDTH);
    double[] largest = {Double.MAX_VALUE, Double.MAX_VALUE};
    BufferedImage huge = ReportCharts.histogram("huge", ScoreHistogram.of(Map.of("id", largest)));
    assertThat(huge.getWidth()).isEqualTo(ReportCharts.HISTOGRAM_WIDTH);
  }

  @Test
  void drawsARocChartWithNoCurves() {
    BufferedImage image =
        ReportCharts.roc(
            "id", "ood", Convention.OPENOOD, List.of(), List.of("MOS (no OOD scores)"));
    assertThat(image.getWidth()).isEqualTo(ReportCharts.ROC_WIDTH);
    assertThat(ReportCharts.png(image)).startsWith(0x89, 'P', 'N', 'G');
  }
}
