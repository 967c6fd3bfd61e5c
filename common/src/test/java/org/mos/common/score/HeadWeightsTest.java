package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The batched head product ({@link HeadWeights#logits(FloatMatrix)}) against hand-worked sums, and
 * the shapings' batched logits against their row-by-row logits.
 */
class HeadWeightsTest {

  @Test
  void batchedLogitsOfAHandWorkedHead() {
    // W = {{1, 2}, {0, -1}, {3, 0.5}}, b = {0.5, 0, -1}; f = (2, -1): (0.5, 1, 4.5)
    HeadWeights head =
        HeadWeights.of(new double[][] {{1, 2}, {0, -1}, {3, 0.5}}, new double[] {0.5, 0, -1});
    double[][] z = head.logits(FloatMatrix.copyOf(new float[] {2, -1, 0, 0}, 2, 2));
    assertThat(z[0]).containsExactly(0.5, 1, 4.5);
    assertThat(z[1]).containsExactly(0.5, 0, -1);
  }

  @Test
  void batchedLogitsEqualPlainSumsAcrossBlocksOfRows() {
    int rows = 1100; // more than one block of 1024 rows
    int dim = 40;
    int classes = 7;
    SplittableRandom r = new SplittableRandom(3);
    double[][] w = new double[classes][dim];
    double[] b = new double[classes];
    for (int c = 0; c < classes; c++) {
      b[c] = r.nextGaussian();
      for (int j = 0; j < dim; j++) {
        w[c][j] = r.nextGaussian();
      }
    }
    float[] f = new float[rows * dim];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) r.nextGaussian();
    }
    double[][] z = HeadWeights.of(w, b).logits(FloatMatrix.copyOf(f, rows, dim));
    assertThat(z).hasNumberOfRows(rows);
    for (int i = 0; i < rows; i++) {
      for (int c = 0; c < classes; c++) {
        double s = b[c];
        for (int j = 0; j < dim; j++) {
          s += w[c][j] * f[i * dim + j];
        }
        assertThat(z[i][c]).as("row %d class %d", i, c).isCloseTo(s, within(1e-12));
      }
    }
  }

  @Test
  void batchedLogitsRefuseFeaturesOfAnotherWidth() {
    HeadWeights head = HeadWeights.of(new double[][] {{1, 2}}, new double[] {0});
    assertThatThrownBy(() -> head.logits(FloatMatrix.copyOf(new float[3], 1, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the features have 3 values but the head takes 2");
  }

  @Test
  void everyFeatureShapingGivesTheSameLogitsInBlocksAsRowByRow() {
    int rows = 1030; // more than one block of 1024 rows
    int dim = 64;
    int classes = 5;
    SplittableRandom r = new SplittableRandom(11);
    double[][] w = new double[classes][dim];
    double[] b = new double[classes];
    for (int c = 0; c < classes; c++) {
      b[c] = r.nextGaussian();
      for (int j = 0; j < dim; j++) {
        w[c][j] = r.nextGaussian() / 8;
      }
    }
    float[] f = new float[rows * dim];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) Math.max(0, r.nextGaussian()); // post-ReLU activations
    }
    FloatMatrix features = FloatMatrix.copyOf(f, rows, dim);
    HeadWeights head = HeadWeights.of(w, b);
    for (LogitShaping shaping :
        new LogitShaping[] {
          new ReactShaping(head, 0.8),
          new AshShaping(head, AshShaping.Variant.P, 90),
          new AshShaping(head, AshShaping.Variant.B, 65),
          new AshShaping(head, AshShaping.Variant.S, 90),
          new ScaleShaping(head, 85)
        }) {
      double[][] batched = shaping.logits(features);
      assertThat(batched).as(shaping.id()).hasNumberOfRows(rows);
      double[] row = new double[dim];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < dim; j++) {
          row[j] = f[i * dim + j];
        }
        double[] single = shaping.logits(row);
        for (int c = 0; c < classes; c++) {
          assertThat(batched[i][c])
              .as("%s row %d class %d", shaping.id(), i, c)
              .isCloseTo(single[c], within(1e-12 * Math.max(1, Math.abs(single[c]))));
        }
      }
    }
  }
}
