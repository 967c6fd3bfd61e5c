package org.mos.common.metrics;

import java.util.Arrays;

/**
 * ID and OOD scores merged into one ranking by score, highest first, with tied scores collapsed
 * into one threshold. Every metric of both {@link Convention}s is a linear walk over these
 * thresholds, so the whole cost is sorting the scores once (O(n log n), primitive arrays).
 *
 * <p>Higher score means more in-distribution. Tied scores are never split: a threshold accepts all
 * samples with a score at or above it, as scikit-learn's and the MOS paper's reference code do.
 * {@code -0.0} and {@code 0.0} are the same score; infinite scores are ranked like any other.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class ScoreRanking {

  /** Distinct scores, strictly decreasing. */
  private final double[] thresholds;

  /** Number of ID scores at or above {@code thresholds[g]}; non-decreasing, last = idCount. */
  private final int[] idAtOrAbove;

  /** Number of OOD scores at or above {@code thresholds[g]}; non-decreasing, last = oodCount. */
  private final int[] oodAtOrAbove;

  private final int idCount;
  private final int oodCount;

  private ScoreRanking(double[] thresholds, int[] idAtOrAbove, int[] oodAtOrAbove) {
    this.thresholds = thresholds;
    this.idAtOrAbove = idAtOrAbove;
    this.oodAtOrAbove = oodAtOrAbove;
    this.idCount = idAtOrAbove[idAtOrAbove.length - 1];
    this.oodCount = oodAtOrAbove[oodAtOrAbove.length - 1];
  }

  /**
   * Ranks the given scores; the arrays are not modified.
   *
   * @param idScores scores of in-distribution samples (higher = more in-distribution)
   * @param oodScores scores of out-of-distribution samples
   * @throws IllegalArgumentException when either array is empty or holds a NaN (the message names
   *     the set and the index)
   */
  public static ScoreRanking of(double[] idScores, double[] oodScores) {
    double[] id = sortedCopy(idScores, "ID");
    double[] ood = sortedCopy(oodScores, "OOD");
    int capacity = id.length + ood.length;
    double[] thresholds = new double[capacity];
    int[] idAbove = new int[capacity];
    int[] oodAbove = new int[capacity];
    // Merge both ascending arrays from their top ends; == (not Double.compare) groups 0.0 with
    // -0.0.
    int i = id.length - 1;
    int j = ood.length - 1;
    int g = 0;
    int idSeen = 0;
    int oodSeen = 0;
    while (i >= 0 || j >= 0) {
      double v = i < 0 ? ood[j] : j < 0 ? id[i] : Math.max(id[i], ood[j]);
      while (i >= 0 && id[i] == v) {
        i--;
        idSeen++;
      }
      while (j >= 0 && ood[j] == v) {
        j--;
        oodSeen++;
      }
      thresholds[g] = v;
      idAbove[g] = idSeen;
      oodAbove[g] = oodSeen;
      g++;
    }
    return new ScoreRanking(
        Arrays.copyOf(thresholds, g), Arrays.copyOf(idAbove, g), Arrays.copyOf(oodAbove, g));
  }

  private static double[] sortedCopy(double[] scores, String set) {
    if (scores == null || scores.length == 0) {
      throw new IllegalArgumentException(
          "the " + set + " scores are empty: expected at least one score");
    }
    for (int k = 0; k < scores.length; k++) {
      if (Double.isNaN(scores[k])) {
        throw new IllegalArgumentException(
            "the " + set + " score at index " + k + " is NaN: expected a number");
      }
    }
    double[] copy = scores.clone();
    Arrays.sort(copy);
    return copy;
  }

  /** Number of ID scores. */
  public int idCount() {
    return idCount;
  }

  /** Number of OOD scores. */
  public int oodCount() {
    return oodCount;
  }

  /** Number of distinct scores (thresholds) over both sets. */
  public int thresholdCount() {
    return thresholds.length;
  }

  /** The four metrics under the given convention. */
  public OodMetrics metrics(Convention convention) {
    return switch (convention) {
      case PAPER -> PaperMetrics.compute(this);
      case OPENOOD -> OpenOodMetrics.compute(this);
    };
  }

  /**
   * Area under the ROC curve: the probability that a random ID sample scores above a random OOD
   * sample, ties counting one half. This is the exact value of the trapezoidal area that both
   * conventions compute (scikit-learn's {@code roc_auc_score}, and {@code auc} over {@code
   * roc_curve} with OOD positive), from integer counts and one division.
   */
  public double auroc() {
    // Twice the Mann-Whitney count: each OOD sample earns 2 per ID sample strictly above it and 1
    // per tied ID sample. It is at most 2 * idCount * oodCount < 2^63, so a long holds it.
    long twiceWins = 0;
    int idAbovePrevious = 0;
    int oodAbovePrevious = 0;
    for (int g = 0; g < thresholds.length; g++) {
      long oodHere = oodAtOrAbove[g] - oodAbovePrevious;
      twiceWins += oodHere * ((long) idAbovePrevious + idAtOrAbove[g]);
      idAbovePrevious = idAtOrAbove[g];
      oodAbovePrevious = oodAtOrAbove[g];
    }
    return twiceWins / (2.0 * idCount * oodCount);
  }

  /**
   * The operating point that keeps at least the target share of ID samples: the largest threshold t
   * with (ID scores &ge; t) / (ID count) &ge; {@code idTpr}, and the shares of ID and OOD scores at
   * or above it.
   *
   * @param idTpr the wanted true-positive rate on ID samples, in (0, 1]
   * @throws IllegalArgumentException when {@code idTpr} is outside (0, 1]
   */
  public OperatingPoint operatingPointAtTpr(double idTpr) {
    if (!(idTpr > 0 && idTpr <= 1)) {
      throw new IllegalArgumentException("the ID TPR is " + idTpr + ": expected a value in (0, 1]");
    }
    // k = the smallest ID count whose share reaches the target, with the share computed as the
    // division the caller would do (so 0.95 of 20 is 19, not 20 from a rounding of 0.95 * 20).
    int k = (int) Math.min(idCount, Math.max(1, Math.ceil(idTpr * idCount)));
    while (k > 1 && (double) (k - 1) / idCount >= idTpr) {
      k--;
    }
    while ((double) k / idCount < idTpr) {
      k++;
    }
    int g = firstAtLeast(idAtOrAbove, k);
    return new OperatingPoint(
        thresholds[g], (double) idAtOrAbove[g] / idCount, (double) oodAtOrAbove[g] / oodCount);
  }

  /**
   * The share of OOD samples at or above the threshold of {@link #operatingPointAtTpr(double)}: the
   * false-positive rate when ID is the positive class.
   */
  public double fprAtTpr(double idTpr) {
    return operatingPointAtTpr(idTpr).fpr();
  }

  /**
   * The ROC curve with ID positive, one point per distinct score from the highest down, preceded by
   * the point (0, 0) at threshold +&infin;. No point is dropped (unlike {@code roc_curve}'s
   * default).
   */
  public RocCurve rocCurve() {
    int n = thresholds.length + 1;
    double[] fpr = new double[n];
    double[] tpr = new double[n];
    double[] at = new double[n];
    at[0] = Double.POSITIVE_INFINITY;
    for (int g = 0; g < thresholds.length; g++) {
      fpr[g + 1] = (double) oodAtOrAbove[g] / oodCount;
      tpr[g + 1] = (double) idAtOrAbove[g] / idCount;
      at[g + 1] = thresholds[g];
    }
    return new RocCurve(fpr, tpr, at);
  }

  /** Index of the first entry of the non-decreasing array that is at least {@code target}. */
  private static int firstAtLeast(int[] nonDecreasing, int target) {
    int lo = 0;
    int hi = nonDecreasing.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (nonDecreasing[mid] >= target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  // Package-private views for the convention classes; they never modify the arrays.

  int size() {
    return thresholds.length;
  }

  int idAtOrAbove(int g) {
    return idAtOrAbove[g];
  }

  int oodAtOrAbove(int g) {
    return oodAtOrAbove[g];
  }

  /** ID scores strictly above {@code thresholds[g]}. */
  int idAbove(int g) {
    return g == 0 ? 0 : idAtOrAbove[g - 1];
  }

  /** OOD scores strictly above {@code thresholds[g]}. */
  int oodAbove(int g) {
    return g == 0 ? 0 : oodAtOrAbove[g - 1];
  }
}
