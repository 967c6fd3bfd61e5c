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

  /** Rows per task: their probabilities (and one class block of the logs) stay in L2. */
  private static final int ROWS_PER_TASK = 32;

  /** Classes per block: the block's log-means for 4 dimensions and 2 rows' sums stay in L1. */
  private static final int CLASS_BLOCK = 64;

  private final KlClassMeans means;
  private final int dims;
  private final int classes;

  /** log d_ci laid out dimension-major: logMeans[i * classes + c]. */
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
  public double[] score(Batch logits) {
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
    double[] p = new double[n * dims];
    double[] negEntropy = new double[n];
    for (int r = 0; r < n; r++) {
      negEntropy[r] = Softmax.row(v, (r0 + r) * dims, dims, p, r * dims);
    }
    double[] best = new double[n];
    Arrays.fill(best, Double.NEGATIVE_INFINITY);
    double[] acc0 = new double[CLASS_BLOCK];
    double[] acc1 = new double[CLASS_BLOCK];
    for (int c0 = 0; c0 < classes; c0 += CLASS_BLOCK) {
      int cb = Math.min(CLASS_BLOCK, classes - c0);
      for (int r = 0; r < n; r += 2) {
        // An odd last row is paired with itself; its second result is simply not used.
        int ra = r * dims;
        int rb = (r + 1 < n ? r + 1 : r) * dims;
        Arrays.fill(acc0, 0);
        Arrays.fill(acc1, 0);
        crossBlock(p, ra, rb, c0, cb, acc0, acc1);
        best[r] = Math.max(best[r], max(acc0, cb));
        if (r + 1 < n) {
          best[r + 1] = Math.max(best[r + 1], max(acc1, cb));
        }
      }
    }
    for (int r = 0; r < n; r++) {
      out[r0 + r] = best[r] - negEntropy[r];
    }
  }

  /**
   * acc0[c] = sum_i p[ra + i] * log d_(c0+c),i and acc1 likewise for row rb, for c < cb; four
   * dimensions and two rows per pass so that each log-mean loaded serves eight products.
   */
  private void crossBlock(
      double[] p, int ra, int rb, int c0, int cb, double[] acc0, double[] acc1) {
    double[] l = logMeans;
    int stride = classes;
    int i = 0;
    for (; i + 3 < dims; i += 4) {
      double a0 = p[ra + i], a1 = p[ra + i + 1], a2 = p[ra + i + 2], a3 = p[ra + i + 3];
      double b0 = p[rb + i], b1 = p[rb + i + 1], b2 = p[rb + i + 2], b3 = p[rb + i + 3];
      int o0 = i * stride + c0;
      int o1 = o0 + stride;
      int o2 = o1 + stride;
      int o3 = o2 + stride;
      for (int c = 0; c < cb; c++) {
        double l0 = l[o0 + c], l1 = l[o1 + c], l2 = l[o2 + c], l3 = l[o3 + c];
        acc0[c] += a0 * l0 + a1 * l1 + a2 * l2 + a3 * l3;
        acc1[c] += b0 * l0 + b1 * l1 + b2 * l2 + b3 * l3;
      }
    }
    for (; i < dims; i++) {
      double a = p[ra + i];
      double b = p[rb + i];
      int o = i * stride + c0;
      for (int c = 0; c < cb; c++) {
        acc0[c] += a * l[o + c];
        acc1[c] += b * l[o + c];
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
