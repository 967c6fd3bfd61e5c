package org.mos.common.score;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * KL matching (Hendrycks et al., "Scaling Out-of-Distribution Detection for Real-World Settings",
 * ICML 2022), as a baseline of the MOS paper: {@code KL(x) = - min_c KL(p(x) || d_c)}, where p(x)
 * is the softmax of the logits and d_c are fitted class-mean softmax vectors ({@link
 * KlClassMeans}).
 *
 * <p>Since {@code KL(p || d_c) = sum_i p_i log p_i - sum_i p_i log d_ci}, the score is {@code max_c
 * (p . log d_c) - sum_i p_i log p_i}: one matrix product of the batch's probabilities with the logs
 * of the means, computed here in blocks that stay in the caches.
 */
public final class KlMatchingScore implements LogitScore {

  /** Rows per task (a unit of parallel work). */
  private static final int ROWS_PER_TASK = 32;

  /** Classes per block: four rows of log-means and two rows of sums stay in L1. */
  private static final int CLASS_BLOCK = 128;

  private final KlClassMeans means;
  private final int dims;
  private final int classes;

  /** log d_ci laid out dimension-major, logMeans[i][c], so the kernel's loads share its index. */
  private final double[][] logMeans;

  /** KL matching against fitted class means. */
  public KlMatchingScore(KlClassMeans means) {
    this.means = means;
    double[][] d = means.means();
    this.dims = means.dims();
    this.classes = d.length;
    this.logMeans = new double[dims][classes];
    for (int c = 0; c < classes; c++) {
      for (int i = 0; i < dims; i++) {
        logMeans[i][c] = Math.log(d[c][i]);
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
    int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
    IntStream range = IntStream.range(0, tasks);
    if ((long) rows * dims * classes >= Rows.PARALLEL_MIN_VALUES) {
      range = range.parallel();
    }
    float[] v = logits.values();
    range.forEach(
        t -> scoreRows(v, t * ROWS_PER_TASK, Math.min(rows, (t + 1) * ROWS_PER_TASK), out));
    return out;
  }

  private void scoreRows(float[] v, int r0, int r1, double[] out) {
    int n = r1 - r0;
    // An odd row count is padded with a zero row whose result is not used.
    int padded = n + (n & 1);
    double[] p = new double[padded * dims];
    double[] negEntropy = new double[n];
    for (int r = 0; r < n; r++) {
      negEntropy[r] = Softmax.row(v, (r0 + r) * dims, dims, p, r * dims);
    }
    double[] acc0 = new double[classes];
    double[] acc1 = new double[classes];
    for (int r = 0; r < padded; r += 2) {
      Arrays.fill(acc0, 0);
      Arrays.fill(acc1, 0);
      for (int c0 = 0; c0 < classes; c0 += CLASS_BLOCK) {
        int c1 = Math.min(classes, c0 + CLASS_BLOCK);
        crossBlock(p, r * dims, (r + 1) * dims, 0, dims, c0, c1, acc0, acc1);
      }
      out[r0 + r] = max(acc0, classes) - negEntropy[r];
      if (r + 1 < n) {
        out[r0 + r + 1] = max(acc1, classes) - negEntropy[r + 1];
      }
    }
  }

  /**
   * acc0[c] += sum_{i0 <= i < i1} p[ra + i] log d_ci, and acc1 likewise for row rb, for c0 <= c <
   * c1. Four dimensions and two rows per pass, so that each log-mean loaded serves eight products;
   * every array access in the inner loop uses the same index c, which lets the JIT vectorise it.
   */
  private void crossBlock(
      double[] p, int ra, int rb, int i0, int i1, int c0, int c1, double[] acc0, double[] acc1) {
    int i = i0;
    for (; i + 3 < i1; i += 4) {
      double a0 = p[ra + i], a1 = p[ra + i + 1], a2 = p[ra + i + 2], a3 = p[ra + i + 3];
      double b0 = p[rb + i], b1 = p[rb + i + 1], b2 = p[rb + i + 2], b3 = p[rb + i + 3];
      double[] l0 = logMeans[i], l1 = logMeans[i + 1], l2 = logMeans[i + 2], l3 = logMeans[i + 3];
      for (int c = c0; c < c1; c++) {
        double x0 = l0[c], x1 = l1[c], x2 = l2[c], x3 = l3[c];
        acc0[c] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
        acc1[c] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
      }
    }
    for (; i < i1; i++) {
      double a = p[ra + i];
      double b = p[rb + i];
      double[] l = logMeans[i];
      for (int c = c0; c < c1; c++) {
        acc0[c] += a * l[c];
        acc1[c] += b * l[c];
      }
    }
  }

  private static double max(double[] a, int n) {
    double m = a[0];
    for (int i = 1; i < n; i++) {
      m = Math.max(m, a[i]);
    }
    return m;
  }
}
