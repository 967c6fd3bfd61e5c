package org.mos.common.score;

import org.mos.common.linalg.Blas;

/**
 * KL matching (Hendrycks et al., "Scaling Out-of-Distribution Detection for Real-World Settings",
 * ICML 2022), as a baseline of the MOS paper: {@code KL(x) = - min_c KL(p(x) || d_c)}, where p(x)
 * is the softmax of the logits and d_c are fitted class-mean softmax vectors ({@link
 * KlClassMeans}).
 *
 * <p>Since {@code KL(p || d_c) = sum_i p_i log p_i - sum_i p_i log d_ci}, the score is {@code max_c
 * (p . log d_c) - sum_i p_i log p_i}: one float64 matrix product of the batch's probabilities with
 * the logs of the means per block of rows, on the BLAS of {@link Blas}.
 */
public final class KlMatchingScore implements LogitScore {

  /** Rows per matrix product: bounds the temporary arrays. */
  private static final int BLOCK_ROWS = 1024;

  private final KlClassMeans means;
  private final int dims;
  private final int classes;

  /** log d_ci, dims x classes row-major (the right operand of the product). */
  private final double[] logMeans;

  /** KL matching against fitted class means. */
  public KlMatchingScore(KlClassMeans means) {
    this.means = means;
    double[][] d = means.means();
    this.dims = means.dims();
    this.classes = d.length;
    this.logMeans = new double[dims * classes];
    for (int c = 0; c < classes; c++) {
      for (int i = 0; i < dims; i++) {
        logMeans[i * classes + c] = Math.log(d[c][i]);
      }
    }
  }

  @Override
  public String id() {
    return "kl";
  }

  /** The fitted class means. */
  public KlClassMeans classMeans() {
    return means;
  }

  @Override
  public double[] score(FloatMatrix logits) {
    if (logits.cols() != dims) {
      throw new IllegalArgumentException(
          "kl: the class means have "
              + dims
              + " entries but the logits have "
              + logits.cols()
              + " columns");
    }
    int rows = logits.rows();
    double[] out = new double[rows];
    float[] v = logits.values();
    int block = Math.min(rows, BLOCK_ROWS);
    double[] p = new double[block * dims];
    double[] negEntropy = new double[block];
    double[] cross = new double[block * classes];
    for (int r0 = 0; r0 < rows; r0 += block) {
      int n = Math.min(block, rows - r0);
      int first = r0;
      Rows.forEach(
          n, dims, r -> negEntropy[r] = Softmax.row(v, (first + r) * dims, dims, p, r * dims));
      Blas.multiply(p, n, dims, logMeans, classes, cross);
      for (int r = 0; r < n; r++) {
        out[r0 + r] = max(cross, r * classes, classes) - negEntropy[r];
      }
    }
    return out;
  }

  private static double max(double[] a, int from, int n) {
    double m = a[from];
    for (int i = from + 1; i < from + n; i++) {
      m = Math.max(m, a[i]);
    }
    return m;
  }
}
