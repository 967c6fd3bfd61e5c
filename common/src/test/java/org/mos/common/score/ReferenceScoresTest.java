package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mos.common.TestFixtures;
import org.mos.common.layout.GroupLayout;

/**
 * Every logit score against the numpy reference implementations of
 * scripts/fixtures/make_score_fixtures.py, on a grouped layout like the paper's (8 groups, scaled
 * down), a flat model, and extreme logits (1e4) where a naive softmax overflows.
 */
class ReferenceScoresTest {

  private static final GroupLayout GROUPS =
      GroupLayout.ofSizes(TestFixtures.npy("scores", "group_sizes.npy").toInts());

  private static FloatMatrix logits(String prefix) {
    return FloatMatrix.of(TestFixtures.npy("scores", prefix + "_logits.npy"));
  }

  private static void assertMatches(double[] actual, String fixture) {
    double[] expected = TestFixtures.scores(fixture);
    assertThat(actual).hasSameSizeAs(expected);
    for (int r = 0; r < expected.length; r++) {
      double tolerance = 1e-12 * Math.max(1, Math.abs(expected[r]));
      assertThat(actual[r]).as("%s row %d", fixture, r).isCloseTo(expected[r], within(tolerance));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"group", "flat", "extreme"})
  void baselinesMatchTheReference(String prefix) {
    FloatMatrix x = logits(prefix);
    assertMatches(new MaxSoftmaxProbability().score(x), prefix + "_msp.npy");
    assertMatches(new MaxLogit().score(x), prefix + "_maxlogit.npy");
    assertMatches(new EnergyScore().score(x), prefix + "_energy.npy");
    assertMatches(new EnergyScore(2).score(x), prefix + "_energy_t2.npy");
    assertMatches(new OdinScore().score(x), prefix + "_odin.npy");
    assertMatches(new OdinScore(10).score(x), prefix + "_odin_t10.npy");
  }

  @ParameterizedTest
  @ValueSource(strings = {"group", "extreme"})
  void mosMatchesTheReference(String prefix) {
    assertMatches(new MinimumOthersScore(GROUPS).score(logits(prefix)), prefix + "_mos.npy");
  }

  @ParameterizedTest
  @ValueSource(strings = {"group", "extreme"})
  void registryScoresEqualTheDirectlyBuiltOnes(String prefix) {
    ScoreSettings settings = ScoreSettings.builder().layout(GROUPS).temperature(2.0).build();
    FloatMatrix x = logits(prefix);
    assertMatches(
        ScoreMethod.byId("mos").create(settings).score(ModelOutputs.ofLogits(x)),
        prefix + "_mos.npy");
    assertMatches(
        ScoreMethod.byId("ENERGY").create(settings).score(ModelOutputs.ofLogits(x)),
        prefix + "_energy_t2.npy");
    assertMatches(
        ScoreMethod.ODIN.create(ScoreSettings.none()).score(ModelOutputs.ofLogits(x)),
        prefix + "_odin.npy");
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "pred"})
  void klMatchingFitsAndScoresLikeTheReference(String tag) {
    FloatMatrix fit = logits("kl_fit");
    int[] labels = TestFixtures.npy("scores", "kl_fit_labels.npy").toInts();
    KlLabelSource source =
        tag.equals("true") ? KlLabelSource.TRUE_LABELS : KlLabelSource.PREDICTED_LABELS;
    KlClassMeans means = OneShotFits.klClassMeans(fit, labels, source);
    assertThat(means.labelSource()).isEqualTo(source);
    assertThat(means.classes())
        .containsExactly(TestFixtures.npy("scores", "kl_" + tag + "_classes.npy").toInts());
    double[] expectedMeans = TestFixtures.scores("kl_" + tag + "_means.npy");
    double[][] fitted = means.means();
    for (int c = 0; c < fitted.length; c++) {
      for (int i = 0; i < fitted[c].length; i++) {
        assertThat(fitted[c][i]).isCloseTo(expectedMeans[c * 6 + i], within(1e-14));
      }
    }
    assertMatches(new KlMatchingScore(means).score(logits("kl_test")), "kl_" + tag + "_scores.npy");
  }

  @org.junit.jupiter.api.Test
  void klMatchingOverSeveralClassBlocksMatchesTheReference() {
    // 70 classes (two blocks of the kernel), 67 dimensions (not a multiple of 4), 33 rows (odd).
    double[] flat = TestFixtures.scores("kl_big_means.npy");
    double[][] means = new double[70][67];
    int[] classes = new int[70];
    for (int c = 0; c < 70; c++) {
      classes[c] = c;
      System.arraycopy(flat, c * 67, means[c], 0, 67);
    }
    KlMatchingScore kl =
        new KlMatchingScore(new KlClassMeans(KlLabelSource.TRUE_LABELS, classes, means));
    assertMatches(kl.score(logits("kl_big")), "kl_big_scores.npy");
  }
}
