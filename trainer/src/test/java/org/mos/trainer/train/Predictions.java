package org.mos.trainer.train;

import java.util.Arrays;
import org.mos.common.layout.GroupLayout;
import org.mos.common.layout.GroupPredictions;

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
  public static int[] grouped(float[] logits, GroupLayout layout) {
    layout.checkLogitCount(logits.length);
    // the rule itself is common's, the one the trainer's Validator and the scorer use
    GroupPredictions p = layout.predict(logits, 1);
    int[] label = new int[layout.numGroups()];
    label[p.group(0)] = p.indexInGroup(0) + 1;
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
  public static double groupAccuracy(float[][] logits, int[][] labels, GroupLayout layout) {
    int hits = 0;
    for (int i = 0; i < logits.length; i++) {
      checkGroupLabel(labels[i], layout);
      hits += Arrays.equals(grouped(logits[i], layout), labels[i]) ? 1 : 0;
    }
    return (double) hits / logits.length;
  }

  /**
   * Checks a group label vector against the layout: one group has class index + 1, every other
   * group 0 ("others").
   *
   * @throws IllegalArgumentException naming the label and the entry that is wrong
   */
  public static void checkGroupLabel(int[] label, GroupLayout layout) {
    int[] sizes = layout.groupSizes();
    if (label.length != sizes.length) {
      throw new IllegalArgumentException(
          "group label has " + label.length + " entries, expected " + sizes.length);
    }
    int nonZero = 0;
    for (int k = 0; k < label.length; k++) {
      if (label[k] < 0 || label[k] > sizes[k]) {
        throw new IllegalArgumentException(
            "group label "
                + Arrays.toString(label)
                + ": entry "
                + k
                + " must be in 0.."
                + sizes[k]);
      }
      nonZero += label[k] > 0 ? 1 : 0;
    }
    if (nonZero != 1) {
      throw new IllegalArgumentException(
          "group label "
              + Arrays.toString(label)
              + " must name exactly one group, names "
              + nonZero);
    }
  }
}
