package org.mos.common.metrics;

import java.util.Arrays;

/**
 * Points of a ROC curve with ID as the positive class, ordered by decreasing threshold: point i
 * accepts every sample whose score is at or above {@code thresholds[i]}. The arrays are copied in
 * and out, so the value is immutable.
 *
 * @param fpr the share of OOD scores accepted at each point, non-decreasing from 0 to 1
 * @param tpr the share of ID scores accepted at each point, non-decreasing from 0 to 1
 * @param thresholds the score thresholds, decreasing; the first is +&infin; (nothing accepted)
 */
public record RocCurve(double[] fpr, double[] tpr, double[] thresholds) {

  public RocCurve {
    if (fpr.length != tpr.length || fpr.length != thresholds.length) {
      throw new IllegalArgumentException(
          "ROC arrays differ in length: "
              + fpr.length
              + " fpr, "
              + tpr.length
              + " tpr, "
              + thresholds.length
              + " thresholds; expected equal lengths");
    }
    fpr = fpr.clone();
    tpr = tpr.clone();
    thresholds = thresholds.clone();
  }

  /** Number of points. */
  public int size() {
    return fpr.length;
  }

  @Override
  public double[] fpr() {
    return fpr.clone();
  }

  @Override
  public double[] tpr() {
    return tpr.clone();
  }

  @Override
  public double[] thresholds() {
    return thresholds.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RocCurve other
        && Arrays.equals(fpr, other.fpr)
        && Arrays.equals(tpr, other.tpr)
        && Arrays.equals(thresholds, other.thresholds);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(fpr) + Arrays.hashCode(tpr)) + Arrays.hashCode(thresholds);
  }

  @Override
  public String toString() {
    return "RocCurve[" + fpr.length + " points]";
  }
}
