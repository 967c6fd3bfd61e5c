package org.mos.common.inference;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;

/**
 * Scores of held-out in-distribution images, per method, from which the scorer derives thresholds
 * and p-values.
 *
 * <p>Bundle format: the statistics entry {@value #STATISTICS_KEY} of {@code manifest.json} whose
 * {@code files} map each method id to a bundle file holding a 1-D {@code .npy} (float32 or float64)
 * of that method's scores on ID calibration images (higher = more in-distribution, as every score
 * of this suite); its {@code parameters} are free-form (e.g. {@code dataset}, {@code count}). For
 * example {@code "calibration": {"files": {"mos": "calibration_mos.npy", "msp":
 * "calibration_msp.npy"}, "parameters": {"dataset": "imagenet-val-holdout"}}}.
 *
 * <p>Threshold at a target ID TPR: the largest score t such that the share of calibration scores
 * {@code >= t} is at least the target (the rule of {@code ScoreRanking.operatingPointAtTpr}); an
 * input is flagged OOD when its score is below t. p-value: the share of calibration scores {@code
 * <=} the input's score (small = unusually low for ID data). Immutable.
 */
public final class Calibration {

  /** The statistics key of calibration scores in a bundle manifest. */
  public static final String STATISTICS_KEY = "calibration";

  private final Map<String, double[]> sortedScores;

  private Calibration(Map<String, double[]> sortedScores) {
    this.sortedScores = sortedScores;
  }

  /** Calibration from in-memory ID scores per method id (copied and sorted). */
  public static Calibration of(Map<String, double[]> idScores) {
    Map<String, double[]> sorted = new TreeMap<>();
    idScores.forEach(
        (method, scores) -> {
          if (scores.length == 0) {
            throw new IllegalArgumentException("no calibration scores for method '" + method + "'");
          }
          double[] copy = scores.clone();
          for (int i = 0; i < copy.length; i++) {
            if (Double.isNaN(copy[i])) {
              throw new IllegalArgumentException(
                  "calibration score " + i + " of method '" + method + "' is NaN");
            }
          }
          Arrays.sort(copy);
          sorted.put(method, copy);
        });
    return new Calibration(Map.copyOf(sorted));
  }

  /** The bundle's calibration scores, or an empty calibration when it has none. */
  public static Calibration read(ModelBundle bundle) throws IOException {
    BundleManifest.Statistics stats = bundle.manifest().statistics().get(STATISTICS_KEY);
    if (stats == null) {
      return of(Map.of());
    }
    Map<String, double[]> scores = new TreeMap<>();
    for (Map.Entry<String, String> e : stats.files().entrySet()) {
      NpyArray array = Npy.read(bundle.file(e.getValue()));
      if (array.rank() != 1 || array.isInteger()) {
        throw new BundleException(
            bundle.source()
                + ": calibration scores "
                + e.getValue()
                + " must be a 1-D float array but have shape "
                + Arrays.toString(array.shape())
                + " and dtype "
                + array.dtype());
      }
      scores.put(e.getKey(), array.values());
    }
    return of(scores);
  }

  /** Whether there are calibration scores for {@code method}. */
  public boolean has(String method) {
    return sortedScores.containsKey(method);
  }

  /** The number of calibration scores of {@code method} (0 when none). */
  public int count(String method) {
    double[] s = sortedScores.get(method);
    return s == null ? 0 : s.length;
  }

  /**
   * The threshold at the target ID TPR and the TPR it actually gives on the calibration scores.
   *
   * @throws IllegalArgumentException when {@code tpr} is outside (0, 1]
   */
  public Optional<Threshold> threshold(String method, double tpr) {
    if (!(tpr > 0 && tpr <= 1)) {
      throw new IllegalArgumentException(
          "the target TPR is " + tpr + "; expected a value in (0, 1]");
    }
    double[] s = sortedScores.get(method);
    if (s == null) {
      return Optional.empty();
    }
    int n = s.length;
    // keep the k highest scores: k = ceil(tpr * n), at least 1; the threshold is the k-th highest
    int k = (int) Math.min(n, Math.max(1, Math.ceil(tpr * n - 1e-9)));
    double t = s[n - k];
    int kept = n - lowerBound(s, t);
    return Optional.of(new Threshold(t, (double) kept / n));
  }

  /** The share of calibration scores of {@code method} at or below {@code score}. */
  public Optional<Double> pValue(String method, double score) {
    double[] s = sortedScores.get(method);
    if (s == null) {
      return Optional.empty();
    }
    return Optional.of((double) upperBound(s, score) / s.length);
  }

  /**
   * The calibration scores of {@code method} at the given probabilities, by linear interpolation
   * between order statistics (NumPy's default {@code quantile} rule: position p (n - 1)).
   *
   * @throws IllegalArgumentException when a probability is outside [0, 1]
   */
  public Optional<double[]> quantiles(String method, double[] probabilities) {
    double[] s = sortedScores.get(method);
    if (s == null) {
      return Optional.empty();
    }
    double[] q = new double[probabilities.length];
    for (int i = 0; i < q.length; i++) {
      double p = probabilities[i];
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("quantile probability " + p + " is outside [0, 1]");
      }
      double pos = p * (s.length - 1);
      int lo = (int) Math.floor(pos);
      int hi = Math.min(s.length - 1, lo + 1);
      q[i] = s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }
    return Optional.of(q);
  }

  /**
   * The two-sample Kolmogorov-Smirnov statistic between {@code sortedSample} (ascending) and the
   * calibration scores of {@code method}: how far live scores have drifted from ID ones.
   */
  public Optional<Double> ksStatistic(String method, double[] sortedSample) {
    double[] s = sortedScores.get(method);
    if (s == null || sortedSample.length == 0) {
      return Optional.empty();
    }
    return Optional.of(org.mos.common.metrics.KolmogorovSmirnov.statistic(sortedSample, s));
  }

  /** First index whose value is >= t. */
  private static int lowerBound(double[] s, double t) {
    int lo = 0;
    int hi = s.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (s[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** First index whose value is > t, i.e. the count of values <= t. */
  private static int upperBound(double[] s, double t) {
    int lo = 0;
    int hi = s.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (s[mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * A calibrated threshold.
   *
   * @param threshold accept as ID when score &ge; threshold
   * @param tpr the share of calibration scores at or above the threshold
   */
  public record Threshold(double threshold, double tpr) {}
}
