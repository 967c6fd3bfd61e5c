package org.mos.common.score;

/**
 * Maximum logit (Hendrycks et al., "Scaling Out-of-Distribution Detection for Real-World Settings",
 * ICML 2022): {@code MaxLogit(x) = max_i logits_i}.
 */
public final class MaxLogit implements LogitScore {

  @Override
  public String id() {
    return "maxlogit";
  }

  @Override
  public double[] score(FloatMatrix logits) {
    float[] v = logits.values();
    int cols = logits.cols();
    double[] out = new double[logits.rows()];
    Rows.forEach(logits.rows(), cols, r -> out[r] = Rows.max(v, r * cols, (r + 1) * cols));
    return out;
  }
}
