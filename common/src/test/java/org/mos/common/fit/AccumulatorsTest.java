package org.mos.common.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.KlLabelSource;
import org.mos.common.score.MahalanobisLayerStatistics;
import org.mos.common.score.OneShotFits;

/**
 * Streaming fits equal the one-shot fits of {@code OneShotFits} (which are checked against numpy
 * and sklearn in that package), batch by batch, in any batching.
 */
class AccumulatorsTest {

  private static final int ROWS = 37;

  private static float[] random(int n, double offset, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (offset + 3 * r.nextGaussian());
    }
    return v;
  }

  private static int[] labels(int classes) {
    int[] y = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = (i * 7) % classes;
    }
    y[5] = classes + 1; // one class is absent (classes), a later one present
    return y;
  }

  private static FloatMatrix rows(float[] v, int cols, int from, int to) {
    return FloatMatrix.copyOf(Arrays.copyOfRange(v, from * cols, to * cols), to - from, cols);
  }

  @Test
  void klMeansStreamedInBatchesEqualTheOneShotFit() {
    int cols = 6;
    float[] logits = random(ROWS * cols, 0, 1);
    int[] y = labels(4);
    for (KlLabelSource source : KlLabelSource.values()) {
      KlMeansAccumulator acc = new KlMeansAccumulator(source, cols);
      for (int from = 0; from < ROWS; from += 10) {
        int to = Math.min(ROWS, from + 10);
        acc.add(rows(logits, cols, from, to), Arrays.copyOfRange(y, from, to));
      }
      KlClassMeans streamed = acc.result();
      KlClassMeans once =
          OneShotFits.klClassMeans(FloatMatrix.copyOf(logits, ROWS, cols), y, source);
      assertThat(streamed.classes()).containsExactly(once.classes());
      assertThat(streamed.labelSource()).isEqualTo(source);
      for (int k = 0; k < once.classes().length; k++) {
        for (int i = 0; i < cols; i++) {
          assertThat(streamed.means()[k][i]).isCloseTo(once.means()[k][i], within(1e-14));
        }
      }
    }
  }

  @Test
  void mahalanobisStreamedInBatchesEqualsTheOneShotFitFarFromTheOrigin() {
    int dims = 5;
    // features far from the origin relative to their spread: a naive sum of squares would lose
    // most digits here
    float[] f = random(ROWS * dims, 1000, 2);
    int[] y = labels(3);
    MahalanobisAccumulator acc = new MahalanobisAccumulator(dims);
    for (int from = 0; from < ROWS; from += 8) {
      int to = Math.min(ROWS, from + 8);
      acc.add(rows(f, dims, from, to), Arrays.copyOfRange(y, from, to));
    }
    MahalanobisLayerStatistics streamed = acc.result();
    MahalanobisLayerStatistics once =
        OneShotFits.mahalanobisLayer(FloatMatrix.copyOf(f, ROWS, dims), y);
    assertThat(acc.rows()).isEqualTo(ROWS);
    assertThat(streamed.classes()).containsExactly(once.classes());
    for (int k = 0; k < once.classes().length; k++) {
      for (int i = 0; i < dims; i++) {
        assertThat(streamed.classMeans()[k][i]).isCloseTo(once.classMeans()[k][i], within(1e-9));
      }
    }
    double[][] p = once.precision();
    for (int i = 0; i < dims; i++) {
      for (int j = 0; j < dims; j++) {
        assertThat(streamed.precision()[i][j])
            .as("precision %d %d", i, j)
            .isCloseTo(p[i][j], within(1e-9 * Math.abs(p[i][i])));
      }
    }
  }

  /** Streams rows x dims features of `classes` classes in batches of 9 and fits both ways. */
  private static void assertStreamedEqualsOneShot(int rows, int dims, int classes, long seed) {
    float[] f = random(rows * dims, 5, seed);
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = i % classes;
    }
    MahalanobisAccumulator acc = new MahalanobisAccumulator(dims);
    for (int from = 0; from < rows; from += 9) {
      int to = Math.min(rows, from + 9);
      acc.add(rows(f, dims, from, to), Arrays.copyOfRange(y, from, to));
    }
    double[][] streamed = acc.result().precision();
    double[][] p = OneShotFits.mahalanobisLayer(FloatMatrix.copyOf(f, rows, dims), y).precision();
    double scale = 0;
    for (int i = 0; i < dims; i++) {
      scale = Math.max(scale, Math.abs(p[i][i]));
    }
    for (int i = 0; i < dims; i++) {
      for (int j = 0; j < dims; j++) {
        assertThat(streamed[i][j])
            .as("precision %d %d", i, j)
            .isCloseTo(p[i][j], within(1e-9 * scale));
      }
    }
  }

  @Test
  void mahalanobisOverMoreRowsThanDimensionsEqualsTheOneShotInverse() {
    // 600 rows of 7 classes at width 130 (more than one 64-wide tile): full-rank covariance
    assertStreamedEqualsOneShot(600, 130, 7, 11);
  }

  @Test
  void mahalanobisOverFewerRowsThanDimensionsEqualsTheOneShotPseudoInverse() {
    // 90 rows of 7 classes at width 130: rank at most 83, the pseudo-inverse drops the rest
    assertStreamedEqualsOneShot(90, 130, 7, 12);
  }

  @Test
  void refusesToFitWithoutData() {
    assertThatThrownBy(() -> new MahalanobisAccumulator(3).result())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no features");
    assertThatThrownBy(() -> new KlMeansAccumulator(KlLabelSource.PREDICTED_LABELS, 3).result())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no images");
  }

  @Test
  void rejectsATrueLabelOutsideTheLogits() {
    KlMeansAccumulator acc = new KlMeansAccumulator(KlLabelSource.TRUE_LABELS, 2);
    assertThatThrownBy(() -> acc.add(FloatMatrix.copyOf(new float[] {1, 2}, 1, 2), new int[] {2}))
        .hasMessageContaining("label 2 of row 0 is not a class of a model with 2 logits");
  }
}
