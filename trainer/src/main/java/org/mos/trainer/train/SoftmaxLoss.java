package org.mos.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.mos.common.layout.GroupLayout;

/**
 * Training losses on logits. Labels are an int64 array: (N) class indices for flat softmax, (N, K)
 * per-group targets for MOS's group softmax (0 = "others", else class index + 1).
 */
public interface SoftmaxLoss {

  /** The batch-mean loss, a scalar. */
  NDArray loss(NDArray logits, NDArray labels);

  /** Cross-entropy of a softmax over all logits, averaged over the batch. */
  static SoftmaxLoss flat() {
    return (logits, labels) -> crossEntropySum(logits, labels).mean();
  }

  /**
   * MOS's group softmax loss: for every group the cross-entropy of its slice against the group's
   * label, summed over groups and averaged over the batch.
   */
  static SoftmaxLoss grouped(GroupLayout layout) {
    if (layout.isFlat()) {
      throw new IllegalArgumentException("group softmax needs a group layout, got " + layout);
    }
    return (logits, labels) -> {
      layout.checkLogitCount(Math.toIntExact(logits.getShape().get(1)));
      NDArray total = null;
      for (int k = 0; k < layout.numGroups(); k++) {
        int from = layout.sliceStart(k);
        NDArray slice = logits.get(new NDIndex(":, {}:{}", from, from + layout.sliceLength(k)));
        NDArray groupLabels = labels.get(new NDIndex(":, {}", k));
        NDArray ce = crossEntropySum(slice, groupLabels);
        total = total == null ? ce : total.add(ce);
      }
      return total.mean();
    };
  }

  /** Per-row cross-entropy, (N, C) logits and (N) int labels -> (N). */
  private static NDArray crossEntropySum(NDArray logits, NDArray labels) {
    long n = logits.getShape().get(0);
    NDArray picked = logits.logSoftmax(1).gather(labels.reshape(n, 1), 1);
    return picked.reshape(n).neg();
  }
}
