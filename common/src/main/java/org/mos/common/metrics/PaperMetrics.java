package org.mos.common.metrics;

/**
 * {@link Convention#PAPER}: the MOS repository's {@code get_measures} (Hendrycks' outlier-exposure
 * code) with ID as the positive class.
 */
final class PaperMetrics {

  /** The paper's operating point: the recall closest to 95%. */
  static final double RECALL_LEVEL = 0.95;

  private PaperMetrics() {}

  static OodMetrics compute(ScoreRanking r) {
    return new OodMetrics(r.auroc(), auprIn(r), auprOut(r), fprAtRecallClosestTo(r, RECALL_LEVEL));
  }

  /**
   * scikit-learn's {@code average_precision_score} with ID positive and the score as is: the sum
   * over distinct thresholds (highest first) of (R_g - R_{g-1}) P_g. R_g - R_{g-1} is the number of
   * ID samples at threshold g over the ID count, so no difference of rounded recalls is taken.
   */
  static double auprIn(ScoreRanking r) {
    CompensatedSum sum = new CompensatedSum();
    for (int g = 0; g < r.size(); g++) {
      int tp = r.idAtOrAbove(g);
      int fp = r.oodAtOrAbove(g);
      int positivesHere = tp - r.idAbove(g);
      if (positivesHere > 0) {
        sum.add(positivesHere * ((double) tp / (tp + fp)));
      }
    }
    return sum.fractionOf(r.idCount());
  }

  /**
   * {@code average_precision_score} with OOD positive and the score negated: the same sum, walking
   * the thresholds from the lowest score up.
   */
  static double auprOut(ScoreRanking r) {
    CompensatedSum sum = new CompensatedSum();
    for (int g = r.size() - 1; g >= 0; g--) {
      // Samples at or below threshold g are those not strictly above it.
      int tp = r.oodCount() - r.oodAbove(g);
      int fp = r.idCount() - r.idAbove(g);
      int positivesHere = r.oodAtOrAbove(g) - r.oodAbove(g);
      if (positivesHere > 0) {
        sum.add(positivesHere * ((double) tp / (tp + fp)));
      }
    }
    return sum.fractionOf(r.oodCount());
  }

  /**
   * {@code fpr_and_fdr_at_recall}: over the distinct thresholds from the first one that reaches
   * full ID recall back up to the highest score, the first whose recall is closest to {@code
   * level}; returns the share of OOD samples at or above it. The reference appends a point with
   * recall 1 after these, which can never be strictly closer than the full-recall threshold that
   * starts the walk, so it is never picked.
   */
  static double fprAtRecallClosestTo(ScoreRanking r, double level) {
    int lastInd = 0;
    while (r.idAtOrAbove(lastInd) < r.idCount()) {
      lastInd++;
    }
    int best = lastInd;
    double bestDistance = Double.POSITIVE_INFINITY;
    for (int g = lastInd; g >= 0; g--) {
      // recall = tps / tps[-1] and |recall - level|, as the reference computes them in float64.
      double distance = Math.abs((double) r.idAtOrAbove(g) / r.idCount() - level);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = g;
      }
    }
    return (double) r.oodAtOrAbove(best) / r.oodCount();
  }
}
