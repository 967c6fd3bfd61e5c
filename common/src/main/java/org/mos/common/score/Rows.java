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

  /** Max of v[from, to). */
  static double max(float[] v, int from, int to) {
    float m = v[from];
    for (int j = from + 1; j < to; j++) {
      m = Math.max(m, v[j]);
    }
    return m;
  }

  /** Sum of exp((v[j] - shift) * scale) over [from, to), in double. */
  static double sumExp(float[] v, int from, int to, double shift, double scale) {
    double s = 0;
    for (int j = from; j < to; j++) {
      s += Math.exp((v[j] - shift) * scale);
    }
    return s;
  }
}
