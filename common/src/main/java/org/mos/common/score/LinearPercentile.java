package org.mos.common.score;

import java.util.Arrays;

/**
 * numpy's {@code np.percentile(a, p)} with its default {@code "linear"} interpolation over all
 * values of {@code a} (flattened), as ReAct and DICE compute their thresholds: with the values
 * sorted ascending, {@code pos = (n - 1) p / 100} and the result interpolates between {@code
 * v[floor(pos)]} and the next value (METHODS.md §0.3).
 */
public final class LinearPercentile {

  private LinearPercentile() {}

  /** The {@code p}-th percentile (0..100) of {@code values}; sorts a copy. */
  public static double of(double[] values, double p) {
    double[] v = values.clone();
    Arrays.sort(v);
    return ofSorted(v, p);
  }

  /** The {@code p}-th percentile of {@code values}; sorts {@code values} in place. */
  public static double ofInPlace(float[] values, double p) {
    checkPercentile(p);
    if (values.length == 0) {
      throw new IllegalArgumentException("the percentile of no values is undefined");
    }
    Arrays.sort(values);
    int n = values.length;
    double pos = (n - 1) * p / 100.0;
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, n - 1);
    double t = pos - lo;
    return values[lo] + t * ((double) values[hi] - values[lo]);
  }

  /** The {@code p}-th percentile of ascending {@code sorted}. */
  public static double ofSorted(double[] sorted, double p) {
    checkPercentile(p);
    int n = sorted.length;
    if (n == 0) {
      throw new IllegalArgumentException("the percentile of no values is undefined");
    }
    double pos = (n - 1) * p / 100.0;
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, n - 1);
    double t = pos - lo;
    return sorted[lo] + t * (sorted[hi] - sorted[lo]);
  }

  /** Refuses a percentile outside [0, 100]. */
  public static double checkPercentile(double p) {
    if (!(p >= 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile is " + p + "; expected a value in [0, 100]");
    }
    return p;
  }
}
