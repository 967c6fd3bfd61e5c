package org.mos.common.score;

import java.util.function.DoubleBinaryOperator;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** Row loops shared by the score functions: parallel over rows once a batch is large enough. */
final class Rows {

  /** Below this many values the fork/join overhead outweighs a second core. */
  static final int PARALLEL_MIN_VALUES = 1 << 16;

  private Rows() {}

  static void forEach(int rows, int cols, IntConsumer body) {
    IntStream range = IntStream.range(0, rows);
    if ((long) rows * cols >= PARALLEL_MIN_VALUES) {
      range = range.parallel();
    }
    range.forEach(body);
  }

  /** Max of v[from, to) (values are finite, checked by {@link FloatMatrix}). */
  static double max(float[] v, int from, int to) {
    // Four running maxima break the dependency chain of one; the loop is memory-bound again.
    float m0 = v[from];
    float m1 = m0;
    float m2 = m0;
    float m3 = m0;
    int j = from;
    for (; j + 3 < to; j += 4) {
      m0 = v[j] > m0 ? v[j] : m0;
      m1 = v[j + 1] > m1 ? v[j + 1] : m1;
      m2 = v[j + 2] > m2 ? v[j + 2] : m2;
      m3 = v[j + 3] > m3 ? v[j + 3] : m3;
    }
    for (; j < to; j++) {
      m0 = v[j] > m0 ? v[j] : m0;
    }
    return Math.max(Math.max(m0, m1), Math.max(m2, m3));
  }

  /**
   * For each row l of {@code logits}: {@code score(max, sum_j exp((l_j - max) * scale))}, the two
   * pieces of every max-shifted softmax score.
   */
  static double[] ofShiftedSumExp(FloatMatrix logits, double scale, DoubleBinaryOperator score) {
    float[] v = logits.values();
    int cols = logits.cols();
    double[] out = new double[logits.rows()];
    forEach(
        logits.rows(),
        cols,
        r -> {
          int from = r * cols;
          double max = max(v, from, from + cols);
          out[r] = score.applyAsDouble(max, sumExp(v, from, from + cols, max, scale));
        });
    return out;
  }

  /**
   * Sum of exp((v[j] - shift) * scale) over [from, to), in double; the arguments must be &lt;= 0
   * (shift = the max, scale &gt; 0).
   *
   * <p>{@link Exp#nonPositive} is written out in the loop by hand: as a call it is too large for C2
   * to inline reliably, and whether it did changed the speed of a whole score by 2x from one run to
   * the next (ScoresBench).
   */
  static double sumExp(float[] v, int from, int to, double shift, double scale) {
    double s = 0;
    for (int j = from; j < to; j++) {
      double x = (v[j] - shift) * scale;
      if (x < Exp.NORMAL_LIMIT) {
        s += Math.exp(x);
        continue;
      }
      double k = Math.rint(x * Exp.LOG2E);
      double r = (x - k * Exp.LN2_HI) - k * Exp.LN2_LO;
      double p = 1.0 / 6227020800.0;
      p = p * r + 1.0 / 479001600.0;
      p = p * r + 1.0 / 39916800.0;
      p = p * r + 1.0 / 3628800.0;
      p = p * r + 1.0 / 362880.0;
      p = p * r + 1.0 / 40320.0;
      p = p * r + 1.0 / 5040.0;
      p = p * r + 1.0 / 720.0;
      p = p * r + 1.0 / 120.0;
      p = p * r + 1.0 / 24.0;
      p = p * r + 1.0 / 6.0;
      p = p * r + 0.5;
      p = p * r * r + r;
      s += (1.0 + p) * Double.longBitsToDouble(((long) k + 1023) << 52);
    }
    return s;
  }
}
