package org.mos.evaluator.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Golden values: numpy.histogram(..., density=True) in make_report_fixtures.py. */
class ScoreHistogramTest {

  private static JsonNode histogramCase(String name) {
    for (JsonNode c : ReportFixtures.cases().get("histograms")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException("no histogram case " + name);
  }

  private static void assertMatchesNumpy(String name) {
    JsonNode c = histogramCase(name);
    Map<String, double[]> sets = new LinkedHashMap<>();
    c.get("sets")
        .forEach(s -> sets.put(s.get("name").asText(), ReportFixtures.doubles(s.get("scores"))));
    ScoreHistogram h = ScoreHistogram.of(sets, c.get("bins").asInt());
    assertThat(h.edges()).containsExactly(ReportFixtures.doubles(c.get("edges")));
    for (JsonNode s : c.get("sets")) {
      ScoreHistogram.Series series = h.byName().get(s.get("name").asText());
      long[] counts = new long[s.get("counts").size()];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = s.get("counts").get(i).asLong();
      }
      assertThat(series.counts()).as(name + " counts").containsExactly(counts);
      assertThat(series.density())
          .as(name + " density")
          .containsExactly(ReportFixtures.doubles(s.get("density")), within(1e-12));
      assertThat(series.nan()).isEqualTo(s.get("nan").asLong());
      assertThat(series.positiveInfinity()).isEqualTo(s.get("pos_inf").asLong());
      assertThat(series.negativeInfinity()).isEqualTo(s.get("neg_inf").asLong());
    }
  }

  @Test
  void binsLikeNumpyOverSharedEdges() {
    assertMatchesNumpy("plain");
  }

  @Test
  void scoresOnFloatingPointEdgesLandInTheBinNumpyChooses() {
    assertMatchesNumpy("on_edges");
  }

  @Test
  void constantScoresGetNumpysHalfUnitRange() {
    assertMatchesNumpy("constant");
  }

  @Test
  void leavesOutAndCountsNanAndInfinities() {
    assertMatchesNumpy("non_finite");
  }

  @Test
  void densityOfEverySetIntegratesToOne() {
    Map<String, double[]> sets = new LinkedHashMap<>();
    sets.put("id", new double[] {0, 1, 1, 2, 3, 5, 8});
    sets.put("ood", new double[] {-4, 4});
    ScoreHistogram h = ScoreHistogram.of(sets, 9);
    double[] e = h.edges();
    for (ScoreHistogram.Series s : h.series()) {
      double area = 0;
      for (int b = 0; b < s.density().length; b++) {
        area += s.density()[b] * (e[b + 1] - e[b]);
      }
      assertThat(area).as(s.name()).isCloseTo(1.0, within(1e-12));
    }
  }

  @Test
  void scoresSpanningMoreThanTheLargestDoubleStayFinite() {
    Map<String, double[]> sets = new LinkedHashMap<>();
    sets.put("id", new double[] {-1e308, 1e307, 1e308, 1e308});
    ScoreHistogram h = ScoreHistogram.of(sets, 4);
    assertThat(h.edges())
        .containsExactly(new double[] {-1e308, -0.5e308, 0, 0.5e308, 1e308}, within(1e293));
    assertThat(h.series().get(0).counts()).containsExactly(1, 0, 1, 2);
    assertThat(java.util.Arrays.stream(h.series().get(0).density()))
        .allMatch(d -> Double.isFinite(d) && d >= 0);
  }

  @Test
  void aHugeConstantScoreStillGetsAnIncreasingRange() {
    Map<String, double[]> sets = Map.of("id", new double[] {Double.MAX_VALUE, Double.MAX_VALUE});
    ScoreHistogram h = ScoreHistogram.of(sets, 10);
    double[] e = h.edges();
    assertThat(e[0]).isLessThan(e[10]);
    assertThat(java.util.Arrays.stream(e)).allMatch(Double::isFinite);
    assertThat(h.series().get(0).finite()).isEqualTo(2);
  }

  @Test
  void noFiniteScoreGivesNoBinsButTheCounts() {
    ScoreHistogram h =
        ScoreHistogram.of(Map.of("id", new double[] {Double.NaN, Double.POSITIVE_INFINITY}));
    assertThat(h.edges()).isEmpty();
    assertThat(h.series().get(0).nan()).isEqualTo(1);
    assertThat(h.series().get(0).positiveInfinity()).isEqualTo(1);
  }

  @Test
  void chooseBinsByRicesRuleOnTheSmallestSetWithinBounds() {
    // Smallest finite set has 1000 scores: 2 * 1000^(1/3) = 20 bins.
    Map<String, double[]> sets = new LinkedHashMap<>();
    sets.put("id", new double[5000]);
    sets.put("ood", new double[1000]);
    sets.get("id")[0] = 1;
    assertThat(ScoreHistogram.of(sets).edges()).hasSize(21);
    assertThat(ScoreHistogram.of(Map.of("id", new double[] {1, 2})).edges())
        .hasSize(ScoreHistogram.MIN_BINS + 1);
    assertThat(ScoreHistogram.of(Map.of("id", new double[1_000_000])).edges())
        .hasSize(ScoreHistogram.MAX_BINS + 1);
  }

  @Test
  void rejectsZeroBins() {
    assertThatThrownBy(() -> ScoreHistogram.of(Map.of("id", new double[] {1}), 0))
        .hasMessageContaining("bins is 0");
  }
}
