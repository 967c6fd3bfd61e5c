package org.mos.common.score;

import org.mos.common.layout.GroupLayout;

/**
 * The Minimum Others Score of MOS (Huang &amp; Li, "MOS: Towards Scaling Out-of-distribution
 * Detection for Large Semantic Space", CVPR 2021): {@code MOS(x) = - min_k p_k(others | x)}, where
 * p_k is the softmax within group k's slice and "others" is position 0 of every slice.
 */
public final class MinimumOthersScore implements LogitScore {

  private final GroupLayout layout;
  private final int[] start;
  private final int[] length;

  /**
   * @param layout a group layout (with "others" slots)
   * @throws IllegalArgumentException for a flat layout
   */
  public MinimumOthersScore(GroupLayout layout) {
    if (!layout.hasOthers()) {
      throw new IllegalArgumentException(
          "MOS needs a group layout with 'others' logits but got " + layout);
    }
    this.layout = layout;
    int k = layout.numGroups();
    this.start = new int[k];
    this.length = new int[k];
    for (int g = 0; g < k; g++) {
      start[g] = layout.sliceStart(g);
      length[g] = layout.sliceLength(g);
    }
  }

  @Override
  public String id() {
    return "mos";
  }

  /** The group layout this score reads slices from. */
  public GroupLayout layout() {
    return layout;
  }

  @Override
  public double[] score(FloatMatrix logits) {
    layout.checkLogitCount(logits.cols());
    float[] v = logits.values();
    int cols = logits.cols();
    double[] out = new double[logits.rows()];
    Rows.forEach(
        logits.rows(),
        cols,
        r -> {
          int base = r * cols;
          double minOthers = Double.POSITIVE_INFINITY;
          for (int g = 0; g < start.length; g++) {
            int from = base + start[g];
            int to = from + length[g];
            double max = Rows.max(v, from, to);
            // p(others) = exp(l_0 - max) / sum_j exp(l_j - max): no overflow, the sum is >= 1.
            double p = Exp.nonPositive(v[from] - max) / Rows.sumExp(v, from, to, max, 1.0);
            minOthers = Math.min(minOthers, p);
          }
          out[r] = -minOthers;
        });
    return out;
  }
}
