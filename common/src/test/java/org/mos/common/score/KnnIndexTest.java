package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.fit.KnnBankAccumulator;

/**
 * KNN's HNSW index (jvector) on a small bank of clustered random features: recall of the exact
 * search's neighbours, scores from the returned rows, persistence, and refusal of a missing or
 * corrupt index file.
 */
class KnnIndexTest {

  private static final int ROWS = 1500;
  private static final int D = 24;
  private static final int K = 10;

  @TempDir Path temp;

  /** Rows around 30 random centres (features of a trained model cluster by class). */
  private static double[][] clustered(long seed, int n) {
    Random r = new Random(seed);
    double[][] centres = new double[30][D];
    Random c = new Random(7);
    for (double[] centre : centres) {
      for (int j = 0; j < D; j++) {
        centre[j] = c.nextGaussian();
      }
    }
    double[][] out = new double[n][D];
    for (int i = 0; i < n; i++) {
      double[] centre = centres[r.nextInt(centres.length)];
      for (int j = 0; j < D; j++) {
        out[i][j] = centre[j] + 0.4 * r.nextGaussian();
      }
    }
    return out;
  }

  private KnnBank bank() throws IOException {
    Path file = temp.resolve("bank.npy");
    try (KnnBankAccumulator acc = new KnnBankAccumulator(D, temp.resolve("spill"))) {
      acc.add(FloatMatrix.ofRows(clustered(1, ROWS)));
      try (OutputStream out = Files.newOutputStream(file)) {
        acc.writeNpy(out);
      }
    }
    return KnnBank.open(file);
  }

  private Path index(KnnBank bank) throws IOException {
    Path file = temp.resolve("knn_index.jvector");
    KnnIndex.build(bank, KnnIndex.DEFAULT_M, KnnIndex.DEFAULT_EF_CONSTRUCTION, file);
    return file;
  }

  @Test
  void theIndexFindsAlmostAllOfTheExactNeighboursAfterARoundTripThroughItsFile()
      throws IOException {
    KnnBank bank = bank();
    Path file = index(bank);
    FloatMatrix queries = FloatMatrix.ofRows(clustered(2, 50));
    int[][] exact = new KnnScore(bank, K).nearestRows(queries);
    try (KnnIndex index = KnnIndex.open(file, bank, KnnIndex.DEFAULT_EF_SEARCH)) {
      int[][] approximate = new KnnScore(bank, K, index).nearestRows(queries);
      int found = 0;
      for (int i = 0; i < exact.length; i++) {
        assertThat(approximate[i]).hasSize(K).doesNotHaveDuplicates();
        Set<Integer> truth = new HashSet<>();
        Arrays.stream(exact[i]).forEach(truth::add);
        found += (int) Arrays.stream(approximate[i]).filter(truth::contains).count();
      }
      double recall = found / (double) (exact.length * K);
      assertThat(recall).as("recall@%d", K).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void theScoreIsTheExactDistanceOfTheFarthestRowTheIndexReturns() throws IOException {
    KnnBank bank = bank();
    Path file = index(bank);
    double[][] q = clustered(3, 20);
    ModelOutputs out = new ModelOutputs(null, FloatMatrix.ofRows(q), List.of());
    double[] exact = new KnnScore(bank, K).score(out);
    try (KnnIndex index = KnnIndex.open(file, bank, KnnIndex.DEFAULT_EF_SEARCH)) {
      KnnScore approximate = new KnnScore(bank, K, index);
      double[] scores = approximate.score(out);
      int[][] rows = approximate.nearestRows(FloatMatrix.ofRows(q));
      int same = 0;
      for (int i = 0; i < q.length; i++) {
        // recomputed here in float64 from the rows the index returned
        float[] x = new float[D];
        for (int j = 0; j < D; j++) {
          x[j] = (float) q[i][j];
        }
        double[] n = KnnScore.normalise(x, 0, D);
        double farthest = 0;
        for (int row : rows[i]) {
          float[] b = bank.row(row);
          double s = 0;
          for (int j = 0; j < D; j++) {
            s += (n[j] - b[j]) * (n[j] - b[j]);
          }
          farthest = Math.max(farthest, s);
        }
        assertThat(scores[i]).isCloseTo(-farthest, within(1e-12));
        // an approximate K-th neighbour is never nearer than the exact one
        assertThat(scores[i]).isLessThanOrEqualTo(exact[i] + 1e-12);
        same += Math.abs(scores[i] - exact[i]) < 1e-12 ? 1 : 0;
      }
      assertThat(same).as("queries whose K-th distance is the exact one").isGreaterThan(10);
    }
  }

  @Test
  void aMissingCorruptOrForeignIndexFileIsRefusedNamingTheFileAndTheFitOption() throws IOException {
    KnnBank bank = bank();
    Path missing = temp.resolve("none.jvector");
    assertThatThrownBy(() -> KnnIndex.open(missing, bank, 100))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("none.jvector")
        .hasMessageContaining("missing")
        .hasMessageContaining("mos fit --knn-index hnsw");
    Path garbage = temp.resolve("garbage.jvector");
    Files.write(garbage, "not a graph at all, just some bytes".getBytes());
    assertThatThrownBy(() -> KnnIndex.open(garbage, bank, 100))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("garbage.jvector")
        .hasMessageContaining("rebuild it with mos fit --knn-index hnsw");
    Path good = index(bank);
    byte[] bytes = Files.readAllBytes(good);
    Path cut = temp.resolve("cut.jvector");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length / 3));
    assertThatThrownBy(() -> KnnIndex.open(cut, bank, 100))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cut.jvector")
        .hasMessageContaining("rebuild it with mos fit --knn-index hnsw");
    // an index of another bank
    Path otherFile = temp.resolve("other.npy");
    try (KnnBankAccumulator acc = new KnnBankAccumulator(D, temp.resolve("spill2"))) {
      acc.add(FloatMatrix.ofRows(clustered(9, 40)));
      try (OutputStream out = Files.newOutputStream(otherFile)) {
        acc.writeNpy(out);
      }
    }
    KnnBank other = KnnBank.open(otherFile);
    assertThatThrownBy(() -> KnnIndex.open(good, other, 100))
        .hasMessageContaining(
            "holds " + ROWS + " rows of " + D + " dimensions but the bank has 40");
  }

  @Test
  void badParametersAreRefusedByName() throws IOException {
    KnnBank bank = bank();
    assertThatThrownBy(() -> KnnIndex.build(bank, 1, 100, temp.resolve("x")))
        .hasMessageContaining("M is 1");
    assertThatThrownBy(() -> KnnIndex.open(temp.resolve("x"), bank, 0))
        .hasMessageContaining("efSearch is 0");
  }
}
