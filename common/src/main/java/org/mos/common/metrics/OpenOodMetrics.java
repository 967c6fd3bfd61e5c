package org.mos.common.metrics;

/**
 * {@link Convention#OPENOOD}: OpenOOD v1.5's {@code compute_all_metrics} ({@code
 * auc_and_fpr_recall}), which treats OOD as the positive class and negates the score.
 */
final class OpenOodMetrics {

  /** OpenOOD's operating point: the first ROC point detecting at least 95% of OOD samples. */
  static final double TPR_LEVEL = 0.95;

  private OpenOodMetrics() {}

  static OodMetrics compute(ScoreRanking r) {
    return new OodMetrics(r.auroc(), auprIn(r), auprOut(r), fprAtOodTpr(r, TPR_LEVEL));
  }

  /**
   * {@code auc(recall, precision)} over {@code precision_recall_curve(id_indicator, conf)}: the
   * trapezoidal area, starting from the point (recall 0, precision 1) that scikit-learn appends.
   * Thresholds that add no ID sample add no area (their recall step is zero).
   */
  static double auprIn(ScoreRanking r) {
    CompensatedSum sum = new CompensatedSum();
    double previousPrecision = 1.0;
    for (int g = 0; g < r.size(); g++) {
      int tp = r.idAtOrAbove(g);
      double precision = (double) tp / (tp + r.oodAtOrAbove(g));
      int positivesHere = tp - r.idAbove(g);
      if (positivesHere > 0) {
        sum.add(positivesHere * (precision + previousPrecision));
      }
      previousPrecision = precision;
    }
    return sum.fractionOf(2.0 * r.idCount());
  }

  /**
   * {@code auc(recall, precision)} over {@code precision_recall_curve(ood_indicator, -conf)}: the
   * same trapezoidal area with OOD positive, walking the thresholds from the lowest score up.
   */
  static double auprOut(ScoreRanking r) {
    CompensatedSum sum = new CompensatedSum();
    double previousPrecision = 1.0;
    for (int g = r.size() - 1; g >= 0; g--) {
      int tp = r.oodCount() - r.oodAbove(g);
      int fp = r.idCount() - r.idAbove(g);
      double precision = (double) tp / (tp + fp);
      int positivesHere = r.oodAtOrAbove(g) - r.oodAbove(g);
      if (positivesHere > 0) {
        sum.add(positivesHere * (precision + previousPrecision));
      }
      previousPrecision = precision;
    }
    return sum.fractionOf(2.0 * r.oodCount());
  }

  /**
   * {@code fpr_list[np.argmax(tpr_list >= level)]} over {@code roc_curve(ood_indicator, -conf)}:
   * the share of ID samples flagged as OOD at the first ROC point that detects at least {@code
   * level} of the OOD samples. {@code roc_curve} drops intermediate points (those in the middle of
   * a straight segment of the curve, where the second differences of both counts are zero) when it
   * has more than two; a dropped point is not a candidate, so the same rule applies here.
   */
  static double fprAtOodTpr(ScoreRanking r, double level) {
    int n = r.size();
    // Position k walks the thresholds from the lowest score (k = 0) up; with OOD positive and the
    // score negated, that is roc_curve's order.
    for (int k = 0; k < n; k++) {
      int g = n - 1 - k;
      long tps = oodAtOrBelow(r, g);
      long fps = idAtOrBelow(r, g);
      boolean kept = n <= 2 || k == 0 || k == n - 1 || bends(r, g, tps, fps);
      if (kept && (double) tps / r.oodCount() >= level) {
        return (double) fps / r.idCount();
      }
    }
    // Unreachable: the last point has tpr = 1.
    throw new IllegalStateException("no ROC point reaches an OOD TPR of " + level);
  }

  /** Whether the ROC curve changes direction at position g (k-1 is g+1, k+1 is g-1). */
  private static boolean bends(ScoreRanking r, int g, long tps, long fps) {
    long tpsBefore = oodAtOrBelow(r, g + 1);
    long tpsAfter = oodAtOrBelow(r, g - 1);
    long fpsBefore = idAtOrBelow(r, g + 1);
    long fpsAfter = idAtOrBelow(r, g - 1);
    return tpsAfter - 2 * tps + tpsBefore != 0 || fpsAfter - 2 * fps + fpsBefore != 0;
  }

  private static long oodAtOrBelow(ScoreRanking r, int g) {
    return r.oodCount() - r.oodAbove(g);
  }

  private static long idAtOrBelow(ScoreRanking r, int g) {
    return r.idCount() - r.idAbove(g);
  }
}
