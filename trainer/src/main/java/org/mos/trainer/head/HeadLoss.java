package org.mos.trainer.head;

import org.mos.common.layout.GroupLayout;
import org.mos.trainer.train.SoftmaxLoss;

/**
 * The training loss of a linear head on plain arrays, with its gradient with respect to the logits:
 * the same losses as {@link SoftmaxLoss} (checked against PyTorch by {@code HeadTrainerTest}). In
 * group mode the cross-entropy of every group's slice against the group's label (0 = "others"),
 * summed over groups; flat, the cross-entropy over all logits against the class; both averaged over
 * the batch.
 */
final class HeadLoss {

  private final int[] start;
  private final int[] length;
  private final int logits;

  /**
   * @param layout the head's layout: its groups' slices in group mode, one slice of all its logits
   *     when flat
   */
  HeadLoss(GroupLayout layout) {
    logits = layout.numLogits();
    if (layout.isFlat()) {
      start = new int[] {0};
      length = new int[] {logits};
    } else {
      int k = layout.numGroups();
      start = new int[k];
      length = new int[k];
      for (int g = 0; g < k; g++) {
        start[g] = layout.sliceStart(g);
        length[g] = layout.sliceLength(g);
      }
    }
  }

  /** Label ints per row: 1 (flat) or the number of groups. */
  int width() {
    return start.length;
  }

  /**
   * The batch-mean loss of {@code rows} rows of logits against {@code labels}, times {@code
   * weight}; adds {@code weight} times its gradient with respect to the logits to {@code grad} when
   * it is not null (so that mixup's two label sets add up).
   */
  double loss(float[] z, int rows, int[] labels, double weight, float[] grad) {
    int k = start.length;
    double total = 0;
    double scale = weight / rows;
    double[] e = new double[logits];
    for (int r = 0; r < rows; r++) {
      int base = r * logits;
      for (int g = 0; g < k; g++) {
        int from = base + start[g];
        int n = length[g];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          max = Math.max(max, z[from + j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
          e[j] = Math.exp(z[from + j] - max);
          sum += e[j];
        }
        int label = labels[r * k + g];
        if (label < 0 || label >= n) {
          throw new IllegalArgumentException(
              "row " + r + " has label " + label + " for a slice of " + n + " logits");
        }
        total += Math.log(sum) + max - z[from + label];
        if (grad != null) {
          for (int j = 0; j < n; j++) {
            grad[from + j] += (float) (scale * (e[j] / sum - (j == label ? 1 : 0)));
          }
        }
      }
    }
    return total * weight / rows;
  }
}
