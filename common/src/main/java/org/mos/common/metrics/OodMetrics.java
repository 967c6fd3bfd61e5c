package org.mos.common.metrics;

import java.util.List;

/**
 * The four OOD-detection metrics of the MOS paper's tables, as fractions in [0, 1] (the tables
 * print percentages).
 *
 * @param auroc area under the ROC curve
 * @param auprIn area under the precision-recall curve with ID as the positive class
 * @param auprOut area under the precision-recall curve with OOD as the positive class
 * @param fpr95 false-positive rate at the convention's 95% operating point (see {@link Convention})
 */
public record OodMetrics(double auroc, double auprIn, double auprOut, double fpr95) {

  public OodMetrics {
    check("auroc", auroc);
    check("auprIn", auprIn);
    check("auprOut", auprOut);
    check("fpr95", fpr95);
  }

  /**
   * Computes the metrics of ID and OOD scores (higher = more in-distribution) under a convention.
   *
   * @throws IllegalArgumentException when either array is empty or holds a NaN
   */
  public static OodMetrics compute(double[] idScores, double[] oodScores, Convention convention) {
    return ScoreRanking.of(idScores, oodScores).metrics(convention);
  }

  /**
   * The element-wise mean over several OOD sets (the "average" row of the paper's tables).
   *
   * @throws IllegalArgumentException when the list is empty
   */
  public static OodMetrics mean(List<OodMetrics> results) {
    if (results.isEmpty()) {
      throw new IllegalArgumentException("no results to average: expected at least one");
    }
    double auroc = 0;
    double auprIn = 0;
    double auprOut = 0;
    double fpr95 = 0;
    for (OodMetrics m : results) {
      auroc += m.auroc;
      auprIn += m.auprIn;
      auprOut += m.auprOut;
      fpr95 += m.fpr95;
    }
    int n = results.size();
    // Clamp: a mean of values in [0, 1] can leave the range by one rounding step.
    return new OodMetrics(
        clamp(auroc / n), clamp(auprIn / n), clamp(auprOut / n), clamp(fpr95 / n));
  }

  private static double clamp(double v) {
    return Math.min(1.0, Math.max(0.0, v));
  }

  private static void check(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " is " + value + ": expected a fraction in [0, 1]");
    }
  }
}
