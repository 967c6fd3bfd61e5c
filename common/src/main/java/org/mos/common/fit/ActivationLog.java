package org.mos.common.fit;

import java.util.ArrayList;
import java.util.List;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.LinearPercentile;

/**
 * Every penultimate activation of an ID set, kept as float32 for ReAct's clip value: {@code c =
 * np.percentile(activations.flatten(), p)} over all N·D values ({@link LinearPercentile}). Holds
 * N·D floats (the authors use about 2,000 images: 16 MB at D = 2048); {@code limit} caps the images
 * kept, as the authors' {@code compute_threshold.py} does. Not thread-safe.
 */
public final class ActivationLog {

  private final int limit;
  private final List<float[]> batches = new ArrayList<>();
  private int rows;
  private long values;

  /** A log keeping the first {@code limit} rows it is given. */
  public ActivationLog(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the activation log limit is " + limit + "; expected 1+");
    }
    this.limit = limit;
  }

  /** Adds the rows of {@code features} (up to the limit). */
  public void add(FloatMatrix features) {
    int take = Math.min(features.rows(), limit - rows);
    if (take <= 0) {
      return;
    }
    float[] all = features.toArray();
    float[] kept = java.util.Arrays.copyOf(all, take * features.cols());
    batches.add(kept);
    rows += take;
    values += kept.length;
  }

  /** Rows kept. */
  public int rows() {
    return rows;
  }

  /** The {@code p}-th percentile of every value kept (numpy's linear interpolation). */
  public double percentile(double p) {
    if (values > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException(
          "the activation log holds "
              + values
              + " values, more than one array can; lower the"
              + " image limit");
    }
    float[] all = new float[(int) values];
    int at = 0;
    for (float[] b : batches) {
      System.arraycopy(b, 0, all, at, b.length);
      at += b.length;
    }
    return LinearPercentile.ofInPlace(all, p);
  }
}
