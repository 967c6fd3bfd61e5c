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
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.HeadWeights;

/**
 * Shaping methods served by a bundle's scorer: the head read from the synthetic bundle's Gemm (W =
 * diag(1, 2, -1), b = (0.5, 0, 0.25)), features of the solid image (1, -1, -0.6).
 */
class ShapedScoringTest {

  @TempDir Path tmp;

  private ScoredBatch score(List<String> methods) throws Exception {
    Path dir = tmp.resolve("b");
    if (!dir.toFile().exists()) {
      BundleModelTest.flatBundle(Map.of()).writeTo(dir);
    }
    try (ModelBundle bundle = ModelBundle.open(dir);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      BundleScorer scorer = BundleScorer.of(bundle);
      InputBatch batch = model.newInputBatch(1);
      batch.put(0, BundleModelTest.solid(4));
      return scorer.score(model, batch, 1, new ScoreRequest(methods, 0.95, 0, false, false));
    }
  }

  @Test
  void reactAndAshRecomputeTheLogitsFromShapedFeaturesWithTheGraphsHead() throws Exception {
    ScoredBatch out = score(List.of("react@clip=0.5", "msp+ash-p@p=50", "Energy+ReAct@clip=0.5"));
    Map<String, Double> s = out.images().get(0).scores();
    assertThat(s).containsOnlyKeys("react@clip=0.5", "msp+ash-p@p=50");
    // clipped f = (0.5, -1, -0.6): z = (1, -2, 0.85)
    assertThat(s.get("react@clip=0.5"))
        .isCloseTo(Math.log(Math.exp(1) + Math.exp(-2) + Math.exp(0.85)), within(1e-6));
    // p 50 of 3 keeps k = 3 - rint(1.5) = 1 activation: f = (1, 0, 0), z = (1.5, 0, 0.25)
    assertThat(s.get("msp+ash-p@p=50"))
        .isCloseTo(Math.exp(1.5) / (Math.exp(1.5) + 1 + Math.exp(0.25)), within(1e-6));
  }

  @Test
  void methodsTheBundleCannotShapeAreRefusedNamingWhatIsMissing() {
    assertThatThrownBy(() -> score(List.of("react")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not support method 'react'")
        .hasMessageContaining("mos fit --react-fit, or react@clip=C");
    assertThatThrownBy(() -> score(List.of("mos+scale")))
        .hasMessageContaining("does not support method 'mos+scale'");
    assertThatThrownBy(() -> score(List.of("ash-b")))
        .hasMessageContaining("percentile 90 keeps no activation of 3");
  }

  @Test
  void aHeadThatDoesNotExplainTheLogitsIsRefusedFromThenOn() {
    HeadCheck check =
        new HeadCheck(HeadWeights.of(new double[][] {{1, 0}, {0, 1}}, new double[] {0, 0}), null);
    FloatMatrix f = FloatMatrix.ofRows(new double[][] {{1, 2}});
    check.check(f, FloatMatrix.ofRows(new double[][] {{1, 2.0000001}}));
    assertThat(check.head()).isNotNull();
    assertThatThrownBy(() -> check.check(f, FloatMatrix.ofRows(new double[][] {{1, 3}})))
        .hasMessageContaining("does not explain the model's logits");
    assertThat(check.head()).isNull();
    assertThat(check.refusal()).contains("largest relative difference 0.333");
  }
}
