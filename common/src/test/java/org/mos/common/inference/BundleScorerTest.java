package org.mos.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.synthetic.SyntheticBundle;

class BundleScorerTest {

  @TempDir Path tmp;

  private ScoredBatch scoreSolidImage(SyntheticBundle spec, ScoreRequest request) throws Exception {
    Path dir = tmp.resolve("b");
    spec.writeTo(dir);
    try (ModelBundle bundle = ModelBundle.open(dir);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      BundleScorer scorer = BundleScorer.of(bundle);
      InputBatch batch = model.newInputBatch(1);
      batch.put(0, BundleModelTest.solid(4));
      return scorer.score(model.run(batch, 1, scorer.requiredOutputs(request)), request);
    }
  }

  @Test
  void flatBundleScoresEqualHandComputedBaselinesOnTheLogits() throws Exception {
    ScoredBatch out =
        scoreSolidImage(
            BundleModelTest.flatBundle(Map.of()),
            new ScoreRequest(List.of(), 0.95, 2, true, false));
    ImageResult r = out.images().get(0);
    // logits (1.5, -2, 0.85), worked out in BundleModelTest
    double sum = Math.exp(1.5) + Math.exp(-2) + Math.exp(0.85);
    assertThat(r.scores()).containsOnlyKeys("msp", "maxlogit", "energy", "odin");
    assertThat(r.scores().get("msp")).isCloseTo(Math.exp(1.5) / sum, within(1e-6));
    assertThat(r.scores().get("maxlogit")).isCloseTo(1.5, within(1e-6));
    assertThat(r.scores().get("energy")).isCloseTo(Math.log(sum), within(1e-6));
    double odinSum = Math.exp(1.5 / 1000) + Math.exp(-2.0 / 1000) + Math.exp(0.85 / 1000);
    assertThat(r.scores().get("odin")).isCloseTo(Math.exp(1.5 / 1000) / odinSum, within(1e-9));
    assertThat(r.predictedClass()).isZero();
    assertThat(r.className()).isEqualTo("a");
    assertThat(r.group()).isNull();
    assertThat(r.topK()).extracting(ImageResult.ClassProbability::name).containsExactly("a", "c");
    assertThat(r.logits()).containsExactly(new float[] {1.5f, -2f, 0.85f}, within(1e-6f));
    assertThat(r.decisions()).isEmpty();
    assertThat(out.decisionsOmitted()).containsKeys("msp", "energy");
  }

  @Test
  void groupBundleScoresMosAndPredictsWithinGroups() throws Exception {
    // groups of sizes 1 and 2: logits [others0, a | others1, b, c]
    SyntheticBundle grouped =
        new SyntheticBundle(
            4,
            List.of("a", "b", "c"),
            List.of(1, 2),
            new float[][] {{0, 0, 0}, {1, 0, 0}, {0, 0, 0}, {0, -1, 0}, {0, 0, 1}},
            new float[] {0, 0, 0, 0, 0},
            Map.of("mos", new double[] {-0.9, -0.8, -0.7, -0.6}));
    ScoredBatch out =
        scoreSolidImage(grouped, new ScoreRequest(List.of("mos"), 0.5, 0, false, false));
    ImageResult r = out.images().get(0);
    // f = (1, -1, -0.6): logits (0, 1 | 0, 1, -0.6)
    double others0 = 1 / (1 + Math.exp(1));
    double others1 = 1 / (1 + Math.exp(1) + Math.exp(-0.6));
    double mos = -Math.min(others0, others1);
    assertThat(r.scores().get("mos")).isCloseTo(mos, within(1e-6));
    // group 0: p(a) = e/(1+e) = 0.731 beats group 1: p(b) = e/(1+e+e^-0.6) = 0.654
    assertThat(r.group()).isZero();
    assertThat(r.className()).isEqualTo("a");
    assertThat(r.probability()).isCloseTo(Math.exp(1) / (1 + Math.exp(1)), within(1e-6));
    // threshold at TPR 0.5 of {-0.9, -0.8, -0.7, -0.6}: keep 2 -> -0.7; mos = -0.269 >= -0.7
    ImageResult.Decision d = r.decisions().get("mos");
    assertThat(d.threshold()).isEqualTo(-0.7);
    assertThat(d.tpr()).isEqualTo(0.5);
    assertThat(d.ood()).isFalse();
    assertThat(d.pValue()).isEqualTo(1.0);
    assertThat(out.decisionsOmitted()).isEmpty();
  }

  @Test
  void refusesMethodsTheBundleCannotScore() throws Exception {
    assertThatThrownBy(
            () ->
                scoreSolidImage(
                    BundleModelTest.flatBundle(Map.of()),
                    new ScoreRequest(List.of("mos"), 0.95, 0, false, false)))
        .hasMessageContaining("does not support method 'mos'");
    assertThatThrownBy(
            () ->
                scoreSolidImage(
                    BundleModelTest.flatBundle(Map.of()),
                    new ScoreRequest(List.of("nope"), 0.95, 0, false, false)))
        .hasMessageContaining("unknown score method 'nope'");
  }
}
