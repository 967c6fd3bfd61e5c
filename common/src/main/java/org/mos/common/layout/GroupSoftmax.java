package org.mos.common.layout;

import java.util.stream.IntStream;

/** The group-softmax prediction rule, in double precision and numerically stable. */
final class GroupSoftmax {

  private static final int PARALLEL_MIN_VALUES = 1 << 16;

  private GroupSoftmax() {}

  static GroupPredictions predict(GroupLayout layout, float[] logits, int rows) {
    int cols = layout.numLogits();
    if (rows < 0 || (long) rows * cols != logits.length) {
      throw new IllegalArgumentException(
          "expected "
              + rows
              + " rows of "
              + cols
              + " logits ("
              + ((long) rows * cols)
              + " values) for "
              + layout
              + " but got "
              + logits.length
              + " values");
    }
    int k = layout.numGroups();
    int[] start = new int[k];
    int[] length = new int[k];
    for (int g = 0; g < k; g++) {
      start[g] = layout.sliceStart(g);
      length[g] = layout.sliceLength(g);
    }
    int skip = layout.hasOthers() ? 1 : 0;
    int[] group = new int[rows];
    int[] index = new int[rows];
    int[] flatClass = new int[rows];
    double[] prob = new double[rows];
    IntStream range = IntStream.range(0, rows);
    if ((long) rows * cols >= PARALLEL_MIN_VALUES) {
      range = range.parallel();
    }
    range.forEach(
        r -> {
          int base = r * cols;
          double bestP = -1;
          int bestG = 0;
          int bestI = 0;
          for (int g = 0; g < k; g++) {
            int from = base + start[g];
            int to = from + length[g];
            // Best class of the group (after "others"), then the slice max for a stable softmax.
            double max = Double.NEGATIVE_INFINITY;
            int arg = -1;
            double sliceMax = Double.NEGATIVE_INFINITY;
            for (int j = from; j < to; j++) {
              float v = logits[j];
              if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(
                    "logit at row " + r + ", column " + (j - base) + " is " + v);
              }
              if (j >= from + skip && v > max) {
                max = v;
                arg = j - from - skip;
              }
              sliceMax = Math.max(sliceMax, v);
            }
            double sum = 0;
            for (int j = from; j < to; j++) {
              sum += Math.exp(logits[j] - sliceMax);
            }
            double p = Math.exp(max - sliceMax) / sum;
            if (p > bestP) {
              bestP = p;
              bestG = g;
              bestI = arg;
            }
          }
          group[r] = bestG;
          index[r] = bestI;
          flatClass[r] = layout.classOf(bestG, bestI);
          prob[r] = bestP;
        });
    return new GroupPredictions(group, index, flatClass, prob);
  }
}
