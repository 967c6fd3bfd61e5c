package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.mos.common.score.KnnVimWorkedExamples.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.fit.VimAccumulator;

class VimScoreTest {

  @TempDir Path temp;

  private VimAccumulator.Result fit(double[][] w, double[] b, double[][] x, int dim)
      throws IOException {
    try (VimAccumulator acc = new VimAccumulator(FloatMatrix.ofRows(w), toFloats(b), dim, temp)) {
      // two batches: the fit streams
      int half = x.length / 2;
      double[][] first = java.util.Arrays.copyOfRange(x, 0, half);
      double[][] second = java.util.Arrays.copyOfRange(x, half, x.length);
      acc.add(FloatMatrix.ofRows(first), logits(w, b, first));
      acc.add(FloatMatrix.ofRows(second), logits(w, b, second));
      return acc.result();
    }
  }

  private static float[] toFloats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  private static double[] score(VimStatistics s, double[][] w, double[] b, double[][] x) {
    return new VimScore(s)
        .score(new ModelOutputs(logits(w, b, x), FloatMatrix.ofRows(x), java.util.List.of()));
  }

  @Test
  void toyExampleMatchesTheWorkedValues() throws IOException {
    VimAccumulator.Result r = fit(TOY_W, TOY_B, TOY_FIT, 2);
    VimStatistics s = r.statistics();
    assertThat(s.origin())
        .containsExactly(new double[] {-0.117811, 0.323438, 0.184910, 0.017007}, within(1e-6));
    assertThat(r.eigenvaluesDescending())
        .containsExactly(new double[] {1.278219, 0.450863, 0.216059, 0.079436}, within(1e-6));
    assertThat(s.alpha()).isCloseTo(1.186826, within(1e-6));
    assertThat(VimScore.residualNorms(FloatMatrix.ofRows(TOY_TEST), s))
        .containsExactly(new double[] {0.173838, 1.894096}, within(1e-6));
    double[] score = score(s, TOY_W, TOY_B, TOY_TEST);
    assertThat(score).containsExactly(new double[] {1.247675, -0.342412}, within(1e-6));
    // the paper's virtual-logit probability is 1 / (1 + e^score)
    assertThat(1 / (1 + Math.exp(score[0]))).isCloseTo(0.223103, within(1e-6));
    assertThat(1 / (1 + Math.exp(score[1]))).isCloseTo(0.584776, within(1e-6));
  }

  @Test
  void mediumExampleOf2048DimensionsMatchesTheWorkedValues() throws IOException {
    double[][] w = mediumW();
    double[] b = mediumB();
    VimAccumulator.Result r = fit(w, b, mediumFit(), 10);
    double[] top = java.util.Arrays.copyOf(r.eigenvaluesDescending(), 12);
    assertThat(top)
        .containsExactly(
            new double[] {
              2181.551139,
              50.774696,
              48.186437,
              47.529319,
              46.306230,
              44.301811,
              42.692575,
              40.391045,
              39.795791,
              36.224519,
              35.894775,
              35.649262
            },
            within(1e-5));
    VimStatistics s = r.statistics();
    double norm = 0;
    for (double v : s.origin()) {
      norm += v * v;
    }
    assertThat(Math.sqrt(norm)).isCloseTo(0.061579, within(1e-6));
    assertThat(s.alpha()).isCloseTo(0.038480, within(1e-6));
    assertThat(VimScore.residualNorms(FloatMatrix.ofRows(mediumTest()), s))
        .containsExactly(new double[] {27.284201, 27.230616, 47.493938}, within(1e-5));
    assertThat(score(s, w, b, mediumTest()))
        .containsExactly(new double[] {1.257298, 1.933144, 2.144927}, within(1e-6));
  }

  @Test
  void randomFitMatchesTheAuthorsRecipeRunWithNumpyAndSklearn() throws IOException {
    JsonNode f = fixture();
    double[][] w = matrix(f.get("weight"));
    double[] b = vector(f.get("bias"));
    JsonNode v = f.get("vim");
    VimAccumulator.Result r = fit(w, b, matrix(f.get("fit_features")), v.get("dim").asInt());
    assertThat(r.statistics().origin()).containsExactly(vector(v.get("origin")), within(1e-9));
    assertThat(r.eigenvaluesDescending())
        .containsExactly(vector(v.get("eigenvalues_desc")), within(1e-9));
    assertThat(r.statistics().alpha()).isCloseTo(v.get("alpha").asDouble(), within(1e-6));
    double[][] test = matrix(f.get("test_features"));
    assertThat(VimScore.residualNorms(FloatMatrix.ofRows(test), r.statistics()))
        .containsExactly(vector(v.get("residual")), within(1e-9));
    assertThat(score(r.statistics(), w, b, test))
        .containsExactly(vector(v.get("score")), within(1e-5));
  }

  @Test
  void scoreIsTheSameWhenTheResidualBasisChangesSign() throws IOException {
    VimStatistics s = fit(TOY_W, TOY_B, TOY_FIT, 2).statistics();
    double[] flipped = s.residualBasis();
    for (int i = 0; i < flipped.length; i++) {
      flipped[i] = -flipped[i];
    }
    VimStatistics t = new VimStatistics(s.origin(), 2, flipped, s.alpha());
    assertThat(score(t, TOY_W, TOY_B, TOY_TEST))
        .containsExactly(score(s, TOY_W, TOY_B, TOY_TEST), within(1e-12));
  }

  @Test
  void featuresOfAnotherWidthAndABadDimensionAreRefusedByName() throws IOException {
    VimStatistics s = fit(TOY_W, TOY_B, TOY_FIT, 2).statistics();
    FloatMatrix three = FloatMatrix.ofRows(new double[][] {{1, 2, 3}});
    assertThatThrownBy(
            () ->
                new VimScore(s)
                    .score(
                        new ModelOutputs(
                            FloatMatrix.ofRows(new double[][] {{1, 2, 3}}),
                            three,
                            java.util.List.of())))
        .hasMessageContaining("fitted on 4-dimensional features but the features have 3");
    assertThatThrownBy(
            () -> new VimAccumulator(FloatMatrix.ofRows(TOY_W), toFloats(TOY_B), 4, temp))
        .hasMessageContaining("principal dimension 4 must be in [0, 4)")
        .hasMessageContaining("--vim-dim");
    assertThat(VimAccumulator.authorsDim(2048)).isEqualTo(1000);
    assertThat(VimAccumulator.authorsDim(768)).isEqualTo(512);
    assertThat(VimAccumulator.authorsDim(64)).isEqualTo(32);
  }

  static JsonNode fixture() throws IOException {
    try (InputStream in = VimScoreTest.class.getResourceAsStream("/fixtures/scores/knn_vim.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  static double[][] matrix(JsonNode n) {
    double[][] m = new double[n.size()][];
    for (int i = 0; i < m.length; i++) {
      m[i] = vector(n.get(i));
    }
    return m;
  }

  static double[] vector(JsonNode n) {
    double[] v = new double[n.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = n.get(i).asDouble();
    }
    return v;
  }
}
