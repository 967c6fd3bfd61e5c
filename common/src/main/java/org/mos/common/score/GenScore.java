package org.mos.common.score;

/**
 * GEN, generalized entropy (Liu, Lochman &amp; Zach, "GEN: Pushing the Limits of Softmax-Based
 * Out-of-Distribution Detection", CVPR 2023; {@code XixiLiu95/GEN} {@code benchmark.py} L72-L77):
 * over the M largest softmax probabilities (all of them when M &ge; classes), {@code score = -Σ p^γ
 * (1 - p)^γ}. γ = 0.1 and M = 100 by default (the authors' ImageNet setting). No fitted state.
 */
public final class GenScore implements LogitScore {

  /** The authors' γ. */
  public static final double DEFAULT_GAMMA = 0.1;

  /** The authors' M. */
  public static final int DEFAULT_M = 100;

  private final double gamma;
  private final int m;

  /** GEN with γ &gt; 0 and M &ge; 1. */
  public GenScore(double gamma, int m) {
    if (!(gamma > 0) || !Double.isFinite(gamma)) {
      throw new IllegalArgumentException("gen gamma is " + gamma + "; expected a number above 0");
    }
    if (m < 1) {
      throw new IllegalArgumentException("gen M is " + m + "; expected 1 or more");
    }
    this.gamma = gamma;
    this.m = m;
  }

  @Override
  public String id() {
    return "gen";
  }

  @Override
  public double[] score(FloatMatrix logits) {
    double[][] rows = new double[logits.rows()][];
    for (int r = 0; r < rows.length; r++) {
      float[] row = logits.row(r);
      rows[r] = new double[row.length];
      for (int c = 0; c < row.length; c++) {
        rows[r][c] = row[c];
      }
    }
    return score(rows);
  }

  @Override
  public double[] score(double[][] logits) {
    double[] out = new double[logits.length];
    for (int r = 0; r < logits.length; r++) {
      out[r] = score(logits[r]);
    }
    return out;
  }

  private double score(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] p = new double[z.length];
    for (int c = 0; c < z.length; c++) {
      p[c] = Math.exp(z[c] - max);
      sum += p[c];
    }
    for (int c = 0; c < z.length; c++) {
      p[c] /= sum;
    }
    java.util.Arrays.sort(p);
    double g = 0;
    for (int i = Math.max(0, p.length - m); i < p.length; i++) {
      g += Math.pow(p[i], gamma) * Math.pow(1 - p[i], gamma);
    }
    return -g;
  }
}
