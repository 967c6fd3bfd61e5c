package org.mos.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsReportTest {

  // MOS rows of the paper's table (AUROC, FPR95) with made-up AUPRs that are exact in binary.
  private static final MetricsReport REPORT =
      new MetricsReport(
          Convention.PAPER,
          List.of(
              new MetricsReport.Entry("iNaturalist", new OodMetrics(0.9815, 0.75, 0.5, 0.0928)),
              new MetricsReport.Entry("SUN", new OodMetrics(0.9201, 0.25, 0.5, 0.4063))));

  @Test
  void tablePrintsPercentagesWithTwoDecimalsAndAnAverageRow() {
    // Average AUROC (98.15 + 92.01) / 2 = 95.08. FPR95 (9.28 + 40.63) / 2 = 24.955, and in doubles
    // 100 * (0.0928 + 0.4063) / 2 is just below that, so it prints 24.95 (Python's '%.2f' agrees).
    assertThat(REPORT.toTable())
        .isEqualTo(
            "Convention: paper\n"
                + "OOD set        AUROC  AUPR-In  AUPR-Out    FPR95\n"
                + "iNaturalist    98.15    75.00     50.00     9.28\n"
                + "SUN            92.01    25.00     50.00    40.63\n"
                + "Average        95.08    50.00     50.00    24.95\n");
  }

  @Test
  void jsonHoldsFractionsPerSetAndTheAverage() throws Exception {
    JsonNode json = new ObjectMapper().readTree(REPORT.toJson());
    assertThat(json.get("convention").asText()).isEqualTo("paper");
    assertThat(json.get("results")).hasSize(2);
    JsonNode first = json.get("results").get(0);
    assertThat(first.get("ood").asText()).isEqualTo("iNaturalist");
    assertThat(first.get("auroc").asDouble()).isEqualTo(0.9815);
    assertThat(first.get("aupr_in").asDouble()).isEqualTo(0.75);
    assertThat(first.get("aupr_out").asDouble()).isEqualTo(0.5);
    assertThat(first.get("fpr95").asDouble()).isEqualTo(0.0928);
    assertThat(json.get("average").get("aupr_in").asDouble()).isEqualTo(0.5);
  }

  @Test
  void csvHasAHeaderOneRowPerSetAndAnAverageRowQuotingNamesWithCommas() {
    MetricsReport report =
        new MetricsReport(
            Convention.OPENOOD,
            List.of(
                new MetricsReport.Entry("a,b", new OodMetrics(1, 0.5, 0.25, 0)),
                new MetricsReport.Entry("c", new OodMetrics(0, 0.5, 0.75, 1))));
    assertThat(report.toCsv())
        .isEqualTo(
            "ood,auroc,aupr_in,aupr_out,fpr95\n"
                + "\"a,b\",1.0,0.5,0.25,0.0\n"
                + "c,0.0,0.5,0.75,1.0\n"
                + "average,0.5,0.5,0.5,0.5\n");
  }

  @Test
  void rejectsDuplicateNamesAndTheAverageRowsName() {
    OodMetrics m = new OodMetrics(0.5, 0.5, 0.5, 0.5);
    assertThatThrownBy(
            () ->
                new MetricsReport(
                    Convention.PAPER,
                    List.of(new MetricsReport.Entry("SUN", m), new MetricsReport.Entry("SUN", m))))
        .hasMessage("OOD set 'SUN' appears twice");
    assertThatThrownBy(
            () ->
                new MetricsReport(Convention.PAPER, List.of(new MetricsReport.Entry("Average", m))))
        .hasMessageContaining("may not be called 'Average'");
  }
}
