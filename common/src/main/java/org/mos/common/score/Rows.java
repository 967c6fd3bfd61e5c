package org.mos.common.score;

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

  /** Max of v[from, to) (values are finite, checked by {@link Batch}). */
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

  /** Sum of exp((v[j] - shift) * scale) over [from, to), in double. */
  static double sumExp(float[] v, int from, int to, double shift, double scale) {
    double s = 0;
    for (int j = from; j < to; j++) {
      s += Exp.nonPositive((v[j] - shift) * scale);
    }
    return s;
  }
}
