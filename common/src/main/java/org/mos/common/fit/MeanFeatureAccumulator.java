package org.mos.common.fit;

import org.mos.common.score.FloatMatrix;

/**
 * The mean penultimate feature of an ID set, streamed batch by batch in double (DICE's {@code m},
 * {@code feat_log.mean(0)} in the authors' {@code precompute.py}). Not thread-safe.
 */
public final class MeanFeatureAccumulator {

  private double[] sum;
  private long rows;

  /** Adds the rows of {@code features}. */
  public void add(FloatMatrix features) {
    if (sum == null) {
      sum = new double[features.cols()];
    } else if (features.cols() != sum.length) {
      throw new IllegalArgumentException(
          "features have " + features.cols() + " columns, earlier batches " + sum.length);
    }
    for (int r = 0; r < features.rows(); r++) {
      float[] x = features.row(r);
      for (int j = 0; j < x.length; j++) {
        sum[j] += x[j];
      }
    }
    rows += features.rows();
  }

  /** Rows added. */
  public long rows() {
    return rows;
  }

  /** The mean. */
  public double[] mean() {
    if (rows == 0) {
      throw new IllegalStateException("no features were added");
    }
    double[] m = new double[sum.length];
    for (int j = 0; j < m.length; j++) {
      m[j] = sum[j] / rows;
    }
    return m;
  }
}
