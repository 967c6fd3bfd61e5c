package org.mos.common.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exact fitter and the cross-validation against scikit-learn 1.2 (fixture written by
 * scripts/fixtures/make_fit_fixtures.py).
 */
class LogisticRegressionTest {

  private static JsonNode fixture() throws IOException {
    try (InputStream in =
        LogisticRegressionTest.class.getResourceAsStream("/fixtures/fit/logistic.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  static Stream<JsonNode> cases() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    fixture().get("cases").forEach(out::add);
    return out.stream();
  }

  private static double[][] matrix(JsonNode node) {
    double[][] out = new double[node.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = vector(node.get(i));
    }
    return out;
  }

  private static double[] vector(JsonNode node) {
    double[] out = new double[node.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = node.get(i).asDouble();
    }
    return out;
  }

  private static int[] ints(JsonNode node) {
    int[] out = new int[node.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = node.get(i).asInt();
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void fitsTheExactOptimumAtTheChosenC(JsonNode c) {
    LogisticModel m =
        LogisticRegression.fit(matrix(c.get("x")), ints(c.get("y")), c.get("best_c").asDouble());
    double[] expected = vector(c.get("exact_coef"));
    for (int j = 0; j < expected.length; j++) {
      assertThat(m.weights()[j])
          .as("weight %d", j)
          .isCloseTo(expected[j], within(1e-8 * Math.abs(expected[j]) + 1e-12));
    }
    assertThat(m.intercept())
        .isCloseTo(c.get("exact_intercept").asDouble(), within(1e-8 * Math.abs(m.intercept())));
    double[][] probe = matrix(c.get("probe"));
    double[] proba = vector(c.get("exact_proba"));
    for (int i = 0; i < probe.length; i++) {
      assertThat(m.probability(probe[i])).as("probe %d", i).isCloseTo(proba[i], within(1e-9));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void crossValidatesLikeLogisticRegressionCvDefaults(JsonNode c) {
    double[][] x = matrix(c.get("x"));
    LogisticRegressionCv.Result r = LogisticRegressionCv.sklearnDefaults().fit(x, ints(c.get("y")));
    assertThat(r.testFold()).containsExactly(ints(c.get("test_fold")));
    double[][] accuracy = matrix(c.get("fold_accuracy"));
    assertThat(r.foldAccuracy()).isDeepEqualTo(accuracy);
    assertThat(r.bestC()).isCloseTo(c.get("best_c").asDouble(), within(1e-15));
    // sklearn's lbfgs stops at a gradient tolerance of 1e-4: agree to that order
    double[] w = vector(c.get("cv_coef"));
    double scale = 0;
    for (double v : w) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int j = 0; j < w.length; j++) {
      assertThat(r.model().weights()[j]).as("weight %d", j).isCloseTo(w[j], within(1e-3 * scale));
    }
    double[][] probe = matrix(c.get("probe"));
    double[] proba = vector(c.get("cv_proba"));
    for (int i = 0; i < probe.length; i++) {
      assertThat(r.model().probability(probe[i]))
          .as("probe %d", i)
          .isCloseTo(proba[i], within(1e-3));
    }
  }

  @Test
  void triesTheCsOfNumpyLogspace() throws IOException {
    double[] numpy = vector(fixture().get("numpy_logspace"));
    double[] cs = LogisticRegressionCv.sklearnDefaults().cs();
    assertThat(cs).hasSize(10);
    for (int k = 0; k < cs.length; k++) {
      assertThat(cs[k]).isCloseTo(numpy[k], within(1e-15 * numpy[k]));
    }
  }

  @Test
  void splitsFoldsAsStratifiedKFold() throws IOException {
    for (JsonNode s : fixture().get("stratified")) {
      assertThat(StratifiedFolds.testFolds(ints(s.get("labels")), 5))
          .containsExactly(ints(s.get("test_fold")));
    }
  }

  @Test
  void reachesZeroGradientOnSeparableDataWithWeakRegularisation() {
    // perfectly separable at x = 0: only the penalty keeps the weights finite
    double[][] x = {{-3}, {-2}, {-1}, {-0.5}, {0.5}, {1}, {2}, {3}};
    int[] y = {0, 0, 0, 0, 1, 1, 1, 1};
    double c = 1e4;
    LogisticModel m = LogisticRegression.fit(x, y, c);
    // optimality: w + C sum (p - y) x = 0 and sum (p - y) = 0 (hand-derived gradient)
    double gw = m.weights()[0];
    double gb = 0;
    for (int i = 0; i < x.length; i++) {
      double r = m.probability(x[i]) - y[i];
      gw += c * r * x[i][0];
      gb += r;
    }
    assertThat(m.weights()[0]).isGreaterThan(5);
    assertThat(gw).isCloseTo(0, within(1e-6 * m.weights()[0]));
    assertThat(gb).isCloseTo(0, within(1e-9));
    assertThat(m.intercept()).isCloseTo(0, within(1e-9)); // symmetric data
  }

  @Test
  void givesAConstantFeatureZeroWeight() {
    double[][] x = {{1, 5}, {2, 5}, {3, 5}, {4, 5}};
    int[] y = {0, 1, 0, 1};
    LogisticModel m = LogisticRegression.fit(x, y, 1);
    // the unpenalised intercept absorbs a constant feature, so its penalised weight is 0
    LogisticModel alone = LogisticRegression.fit(new double[][] {{1}, {2}, {3}, {4}}, y, 1);
    assertThat(m.weights()[1]).isZero();
    assertThat(m.probability(new double[] {2.5, 5}))
        .isCloseTo(alone.probability(new double[] {2.5}), within(1e-12));
  }

  @Test
  void rejectsLabelsOtherThanZeroAndOne() {
    assertThatThrownBy(() -> LogisticRegression.fit(new double[][] {{1}, {2}}, new int[] {0, 2}, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label 1 is 2; expected 0 or 1");
  }

  @Test
  void rejectsAClassWithFewerSamplesThanFolds() {
    int[] y = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
    assertThatThrownBy(() -> StratifiedFolds.testFolds(y, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("class 1 has 4 samples, fewer than the 5 folds");
  }

  @Test
  void rejectsANonPositiveC() {
    assertThatThrownBy(() -> LogisticRegression.fit(new double[][] {{1}}, new int[] {1}, 0))
        .hasMessageContaining("C is 0.0");
  }
}
