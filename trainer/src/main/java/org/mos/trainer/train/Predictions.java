package org.mos.trainer.train;

/**
 * Class predictions from logit rows, flat or by MOS's group rule, and the accuracy they give.
 *
 * <p>Group rule (DESIGN §3): softmax within each slice, drop "others", take each group's largest
 * class probability; the predicted group is the one whose maximum is largest, the class is that
 * group's argmax. A hit needs both group and class right.
 */
public final class Predictions {

  private Predictions() {}

  /** Index of the largest logit. */
  public static int flat(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * The group-softmax prediction as a group label: the predicted group's entry is class index + 1,
   * every other entry 0.
   */
  public static int[] grouped(float[] logits, GroupSlices slices) {
    if (logits.length != slices.logitCount()) {
      throw new IllegalArgumentException(
          "group layout needs " + slices.logitCount() + " logits, got " + logits.length);
    }
    int bestGroup = -1;
    int bestClass = -1;
    double bestProbability = -1;
    for (int k = 0; k < slices.groupCount(); k++) {
      int from = slices.offset(k);
      int to = from + slices.size(k) + 1;
      double max = Double.NEGATIVE_INFINITY;
      for (int i = from; i < to; i++) {
        max = Math.max(max, logits[i]);
      }
      double sum = 0;
      for (int i = from; i < to; i++) {
        sum += Math.exp(logits[i] - max);
      }
      for (int c = 1; c <= slices.size(k); c++) {
        double p = Math.exp(logits[from + c] - max) / sum;
        if (p > bestProbability) {
          bestProbability = p;
          bestGroup = k;
          bestClass = c;
        }
      }
    }
    int[] label = new int[slices.groupCount()];
    label[bestGroup] = bestClass;
    return label;
  }

  /** Fraction of rows whose flat prediction equals the label. */
  public static double flatAccuracy(float[][] logits, int[] labels) {
    int hits = 0;
    for (int i = 0; i < logits.length; i++) {
      hits += flat(logits[i]) == labels[i] ? 1 : 0;
    }
    return (double) hits / logits.length;
  }

  /** Fraction of rows whose group-rule prediction names the labelled group and class. */
  public static double groupAccuracy(float[][] logits, int[][] labels, GroupSlices slices) {
    int hits = 0;
    for (int i = 0; i < logits.length; i++) {
      slices.checkLabel(labels[i]);
      hits += java.util.Arrays.equals(grouped(logits[i], slices), labels[i]) ? 1 : 0;
    }
    return (double) hits / logits.length;
  }
}
