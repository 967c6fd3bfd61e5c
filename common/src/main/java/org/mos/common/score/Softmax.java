package org.mos.common.score;

/** Numerically stable softmax of one row, in double. */
final class Softmax {

  private Softmax() {}

  /**
   * Writes softmax(v[from, from + n)) into out[0, n) and returns sum_i p_i log p_i (the negative
   * entropy), computed from the log-probabilities so that underflowed p_i contribute exactly 0.
   */
  static double row(float[] v, int from, int n, double[] out) {
    return row(v, from, n, out, 0);
  }

  /** As {@link #row(float[], int, int, double[])}, writing into out[at, at + n). */
  static double row(float[] v, int from, int n, double[] out, int at) {
    double max = Rows.max(v, from, from + n);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double e = Exp.nonPositive(v[from + i] - max);
      out[at + i] = e;
      sum += e;
    }
    double inv = 1 / sum;
    double logSum = Math.log(sum);
    double negEntropy = 0;
    for (int i = 0; i < n; i++) {
      double p = out[at + i] * inv;
      out[at + i] = p;
      negEntropy += p * ((v[from + i] - max) - logSum);
    }
    return negEntropy;
  }
}
