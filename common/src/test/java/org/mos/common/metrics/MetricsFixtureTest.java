package org.mos.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compares both conventions with the reference values of {@code
 * scripts/fixtures/make_metrics_fixtures.py}: a NumPy re-implementation of the MOS repository's
 * {@code get_measures} and scikit-learn 1.2's curves for OpenOOD. The areas agree up to summation
 * order; FPR95 and the operating points are count ratios and must agree exactly.
 */
class MetricsFixtureTest {

  private static final double AREA_TOLERANCE = 1e-12;

  record Case(String name, double[] id, double[] ood, JsonNode expected) {
    @Override
    public String toString() {
      return name + " (" + id.length + " ID, " + ood.length + " OOD)";
    }
  }

  static Stream<Case> cases() throws IOException {
    String resource = "/fixtures/metrics/metrics_cases.json";
    try (InputStream in = MetricsFixtureTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      JsonNode root = new ObjectMapper().readTree(in);
      List<Case> cases = new ArrayList<>();
      for (JsonNode c : root.get("cases")) {
        double[] id;
        double[] ood;
        if (c.has("id_grid")) {
          id = GridScores.generate(c.get("id_grid"));
          ood = GridScores.generate(c.get("ood_grid"));
          // The generator must match Python's before any metric is compared.
          assertThat(java.util.Arrays.copyOf(id, 5)).containsExactly(doubles(c.get("id_first")));
          assertThat(java.util.Arrays.copyOf(ood, 5)).containsExactly(doubles(c.get("ood_first")));
        } else {
          id = doubles(c.get("id"));
          ood = doubles(c.get("ood"));
        }
        cases.add(new Case(c.get("name").asText(), id, ood, c.get("expected")));
      }
      return cases.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void paperConventionMatchesGetMeasures(Case c) {
    assertMatches(OodMetrics.compute(c.id, c.ood, Convention.PAPER), c.expected.get("paper"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void openOodConventionMatchesComputeAllMetrics(Case c) {
    assertMatches(OodMetrics.compute(c.id, c.ood, Convention.OPENOOD), c.expected.get("openood"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void operatingPointsMatchTheBruteForceSearch(Case c) {
    ScoreRanking ranking = ScoreRanking.of(c.id, c.ood);
    for (JsonNode p : c.expected.get("operating_points")) {
      double target = p.get("target").asDouble();
      OperatingPoint expected =
          new OperatingPoint(
              number(p.get("threshold")), number(p.get("tpr")), number(p.get("fpr")));
      assertThat(ranking.operatingPointAtTpr(target))
          .as("TPR target %s", target)
          .isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rocCurveMatchesScikitLearnWithoutDroppedPoints(Case c) {
    JsonNode roc = c.expected.get("roc");
    if (roc == null) {
      return; // stored for the small cases only
    }
    RocCurve curve = ScoreRanking.of(c.id, c.ood).rocCurve();
    assertThat(curve.fpr()).containsExactly(doubles(roc.get("fpr")));
    assertThat(curve.tpr()).containsExactly(doubles(roc.get("tpr")));
    double[] thresholds = curve.thresholds();
    assertThat(thresholds[0]).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(java.util.Arrays.copyOfRange(thresholds, 1, thresholds.length))
        .containsExactly(doubles(roc.get("thresholds")));
  }

  private static void assertMatches(OodMetrics actual, JsonNode expected) {
    assertThat(actual.auroc())
        .as("auroc")
        .isCloseTo(number(expected.get("auroc")), within(AREA_TOLERANCE));
    assertThat(actual.auprIn())
        .as("aupr_in")
        .isCloseTo(number(expected.get("aupr_in")), within(AREA_TOLERANCE));
    assertThat(actual.auprOut())
        .as("aupr_out")
        .isCloseTo(number(expected.get("aupr_out")), within(AREA_TOLERANCE));
    assertThat(actual.fpr95()).as("fpr95").isEqualTo(number(expected.get("fpr95")));
  }

  private static double number(JsonNode n) {
    return n.isTextual() ? Double.parseDouble(n.asText()) : n.asDouble();
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = number(array.get(i));
    }
    return out;
  }
}
