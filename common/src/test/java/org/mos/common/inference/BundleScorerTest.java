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
    assertThat(r.scores()).containsOnlyKeys("msp", "maxlogit", "energy", "odin", "gen");
    double gen = 0;
    for (double z : new double[] {1.5, -2, 0.85}) {
      double p = Math.exp(z) / sum;
      gen -= Math.pow(p, 0.1) * Math.pow(1 - p, 0.1);
    }
    assertThat(r.scores().get("gen")).isCloseTo(gen, within(1e-6));
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

  @Test
  void readsKlAndMahalanobisStatisticsFromTheBundleAndScoresWithThem() throws Exception {
    Path flat = tmp.resolve("flat");
    BundleModelTest.flatBundle(Map.of()).writeTo(flat);
    Path dir = tmp.resolve("stats");
    double[] means = {0.5, 0.25, 0.25, 0.2, 0.6, 0.2, 1 / 3.0, 1 / 3.0, 1 / 3.0};
    String maha =
        "{\"layers\":[{\"classes\":[0,1],\"classMeans\":[[1,-1,0],[0,0,0]],"
            + "\"precision\":[[1,0,0],[0,1,0],[0,0,1]]}],"
            + "\"regressionWeights\":[2.0],\"regressionBias\":0.1}";
    var manifest =
        org.mos.common.bundle.ModelBundle.open(flat)
            .manifest()
            .withStatistics(
                "kl",
                new org.mos.common.bundle.BundleManifest.Statistics(
                    Map.of("class_means", "kl_means.npy"), Map.of("labels", "true")))
            .withStatistics(
                "mahalanobis",
                new org.mos.common.bundle.BundleManifest.Statistics(
                    Map.of("statistics", "mahalanobis.json"),
                    Map.of("layers", List.of("features"))));
    org.mos.common.bundle.BundleWriter.to(dir)
        .copyFile("model.onnx", flat.resolve("model.onnx"))
        .write(
            "kl_means.npy",
            out -> {
              var b = java.nio.ByteBuffer.allocate(72).order(java.nio.ByteOrder.LITTLE_ENDIAN);
              for (double m : means) {
                b.putDouble(m);
              }
              org.mos.common.io.Npy.write(out, "<f8", new int[] {3, 3}, b.array());
            })
        .write(
            "mahalanobis.json",
            out -> out.write(maha.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .commit(manifest);
    try (ModelBundle bundle = ModelBundle.open(dir);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      BundleScorer scorer = BundleScorer.of(bundle);
      assertThat(scorer.methods())
          .containsExactly("msp", "maxlogit", "energy", "odin", "kl", "mahalanobis", "gen");
      ScoreRequest request = new ScoreRequest(List.of("kl", "mahalanobis"), 0.95, 0, false, false);
      assertThat(scorer.requiredOutputs(request)).containsExactly("logits", "features");
      InputBatch batch = model.newInputBatch(1);
      batch.put(0, BundleModelTest.solid(4));
      ImageResult r =
          scorer
              .score(model.run(batch, 1, scorer.requiredOutputs(request)), request)
              .images()
              .get(0);
      // p = softmax(1.5, -2, 0.85); kl = -min_c sum_i p_i log(p_i / d_ci)
      double[] l = {1.5, -2, 0.85};
      double z = Math.exp(l[0]) + Math.exp(l[1]) + Math.exp(l[2]);
      double best = Double.MAX_VALUE;
      for (int c = 0; c < 3; c++) {
        double kl = 0;
        for (int i = 0; i < 3; i++) {
          double p = Math.exp(l[i]) / z;
          kl += p * Math.log(p / means[3 * c + i]);
        }
        best = Math.min(best, kl);
      }
      assertThat(r.scores().get("kl")).isCloseTo(-best, within(1e-6));
      // f = (1, -1, -0.6): s = max(-0.5 * 0.36, -0.5 * 2.36) = -0.18; z = 0.1 + 2 * s = -0.26
      assertThat(r.scores().get("mahalanobis")).isCloseTo(-1 / (1 + Math.exp(0.26)), within(1e-6));
    }
  }
}
