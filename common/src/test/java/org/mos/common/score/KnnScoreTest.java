package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.mos.common.score.KnnVimWorkedExamples.*;
import static org.mos.common.score.VimScoreTest.fixture;
import static org.mos.common.score.VimScoreTest.matrix;
import static org.mos.common.score.VimScoreTest.vector;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.fit.KnnBankAccumulator;

class KnnScoreTest {

  @TempDir Path temp;

  private KnnBank bank(double[][] fit) throws IOException {
    Path file = temp.resolve("bank-" + fit.length + "-" + fit[0].length + ".npy");
    try (KnnBankAccumulator acc = new KnnBankAccumulator(fit[0].length, temp.resolve("spill"))) {
      int half = fit.length / 2;
      acc.add(FloatMatrix.ofRows(java.util.Arrays.copyOfRange(fit, 0, half)));
      acc.add(FloatMatrix.ofRows(java.util.Arrays.copyOfRange(fit, half, fit.length)));
      assertThat(acc.rows()).isEqualTo(fit.length);
      try (OutputStream out = Files.newOutputStream(file)) {
        acc.writeNpy(out);
      }
    }
    return KnnBank.open(file);
  }

  private static double[] score(KnnBank bank, int k, double[][] x) {
    return new KnnScore(bank, k)
        .score(new ModelOutputs(null, FloatMatrix.ofRows(x), java.util.List.of()));
  }

  @Test
  void toyExampleMatchesTheWorkedValues() throws IOException {
    KnnBank bank = bank(TOY_FIT);
    assertThat(score(bank, 2, TOY_TEST))
        .containsExactly(new double[] {-0.044745, -0.755709}, within(1e-6));
    assertThat(score(bank, 1, TOY_TEST))
        .containsExactly(new double[] {-0.026787, -0.303599}, within(1e-6));
  }

  @Test
  void mediumExampleOf2048DimensionsMatchesTheWorkedValues() throws IOException {
    assertThat(score(bank(mediumFit()), 5, mediumTest()))
        .containsExactly(new double[] {-0.499488, -0.497751, -0.769522}, within(1e-6));
  }

  @Test
  void neighboursAndScoresMatchFaissIndexFlatL2() throws IOException {
    JsonNode f = fixture();
    JsonNode knn = f.get("knn");
    int k = knn.get("k").asInt();
    KnnBank bank = bank(matrix(f.get("fit_features")));
    double[][] test = matrix(f.get("test_features"));
    assertThat(score(bank, k, test)).containsExactly(vector(knn.get("score")), within(1e-6));
    // faiss's own float32 distance differs from the float64 one by float rounding only
    assertThat(score(bank, k, test)).containsExactly(vector(knn.get("faiss_score")), within(1e-5));
    int[][] rows = new KnnScore(bank, k).nearestRows(FloatMatrix.ofRows(test));
    for (int i = 0; i < test.length; i++) {
      JsonNode expected = knn.get("neighbours").get(i);
      for (int j = 0; j < k; j++) {
        assertThat(rows[i][j]).as("query %d neighbour %d", i, j).isEqualTo(expected.get(j).asInt());
      }
    }
  }

  @Test
  void theBankIsAFloat32NpyOfNormalisedRows() throws IOException {
    KnnBank bank = bank(TOY_FIT);
    assertThat(bank.rows()).isEqualTo(6);
    assertThat(bank.dims()).isEqualTo(4);
    double n = Math.sqrt(1.3 * 1.3 + 0.3 * 0.3 + 0.8 * 0.8);
    assertThat(bank.row(0)[0]).isCloseTo((float) (1.3 / n + 1e-10), within(1e-6f));
    assertThat(bank.squaredNorm(0)).isCloseTo(1.0, within(1e-6));
  }

  @Test
  void theMethodIdsKOverridesTheFittedKWhichOverridesTheDefault() throws IOException {
    KnnBank bank = bank(TOY_FIT);
    ModelOutputs out = new ModelOutputs(null, FloatMatrix.ofRows(TOY_TEST), java.util.List.of());
    // fitted K 2; the worked values of K 2 and K 1 (toyExampleMatchesTheWorkedValues)
    ScoreSettings fitted =
        ScoreSettings.builder()
            .knnBank(bank)
            .knnK(2)
            .parameters("knn", java.util.Map.of("k", 2.0))
            .build();
    assertThat(MethodId.parse("knn").create(fitted).score(out))
        .containsExactly(new double[] {-0.044745, -0.755709}, within(1e-6));
    assertThat(MethodId.parse("KNN@k=1.0").id()).isEqualTo("knn@k=1");
    assertThat(MethodId.parse("knn@k=1").create(fitted).score(out))
        .containsExactly(new double[] {-0.026787, -0.303599}, within(1e-6));
    assertThat(ScoreMethod.KNN.create(fitted)).isInstanceOf(KnnScore.class);
    assertThat(((KnnScore) ScoreMethod.KNN.create(fitted)).k()).isEqualTo(2);
    // a bundle that stored no K: the authors' 1000, more than these 6 rows
    ScoreSettings noK = ScoreSettings.builder().knnBank(bank).build();
    assertThatThrownBy(() -> MethodId.parse("knn").create(noK))
        .hasMessageContaining("K = 1000 but the bank has 6 rows");
    assertThat(((KnnScore) MethodId.parse("knn@k=6").create(noK)).k()).isEqualTo(6);
  }

  @Test
  void aKOutsideOneToTheBankSizeInTheMethodIdIsRefusedNamingTheValue() throws IOException {
    ScoreSettings s = ScoreSettings.builder().knnBank(bank(TOY_FIT)).knnK(2).build();
    assertThatThrownBy(() -> MethodId.parse("knn@k=7").create(s))
        .hasMessageContaining("K = 7 but the bank has 6 rows: K must be in [1, 6]")
        .hasMessageContaining("knn@k=N");
    assertThatThrownBy(() -> MethodId.parse("knn@k=0").create(s))
        .hasMessageContaining("method 'knn@k=0': knn k is 0; expected an integer >= 1");
    assertThatThrownBy(() -> MethodId.parse("knn@k=2.5").create(s))
        .hasMessageContaining("knn k is 2.5; expected an integer >= 1");
    assertThatThrownBy(() -> MethodId.parse("knn@p=2"))
        .hasMessageContaining("not name=value with a name of [k]");
    assertThatThrownBy(() -> MethodId.parse("knn@k=3").create(ScoreSettings.none()))
        .hasMessageContaining("needs a fitted feature bank (mos fit --knn-fit)");
  }

  @Test
  void aKLargerThanTheBankAndAnotherWidthAreRefusedByName() throws IOException {
    KnnBank bank = bank(TOY_FIT);
    assertThatThrownBy(() -> new KnnScore(bank, 7))
        .hasMessageContaining("K = 7 but the bank has 6 rows")
        .hasMessageContaining("--knn-k");
    assertThatThrownBy(() -> score(bank, 2, new double[][] {{1, 2, 3}}))
        .hasMessageContaining("4-dimensional features but the features have 3");
  }

  @Test
  void aTruncatedOrNonFloat32BankIsRefusedNamingTheFile() throws IOException {
    Path good = temp.resolve("bank-6-4.npy");
    bank(TOY_FIT);
    byte[] bytes = Files.readAllBytes(good);
    Path cut = temp.resolve("cut.npy");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 4));
    assertThatThrownBy(() -> KnnBank.open(cut))
        .hasMessageContaining("cut.npy")
        .hasMessageContaining("truncated");
    Path f8 = temp.resolve("f8.npy");
    org.mos.common.io.Npy.writeFloat64(f8, new double[] {1, 2}, 1, 2);
    assertThatThrownBy(() -> KnnBank.open(f8)).hasMessageContaining("float32");
  }
}
