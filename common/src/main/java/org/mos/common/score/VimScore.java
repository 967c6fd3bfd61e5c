package org.mos.common.score;

import org.mos.common.linalg.Blas;

/**
 * ViM, Virtual-logit Matching (Wang, Li, Feng, Zhang, CVPR 2022), as the authors' {@code
 * benchmark.py} computes it: {@code score = logsumexp(z) - alpha * ||(f - u) NS||}, with z the
 * logits, f the penultimate features and u, NS, alpha fitted ({@link VimStatistics}). Higher = more
 * in-distribution; the paper's virtual-logit probability is {@code 1 / (1 + e^score)}, a decreasing
 * map of it.
 *
 * <p>The logits are the model's own: ViM does not reshape the features, so {@code W f + b} is the
 * logits output. The projection is one float64 matrix product per batch (as NumPy does with the
 * float64 NS), through {@link Blas}.
 */
public final class VimScore implements OodScore {

  /** Rows projected per matrix product: bounds the temporary arrays. */
  private static final int BLOCK_ROWS = 1024;

  private final VimStatistics statistics;

  /** ViM with fitted statistics. */
  public VimScore(VimStatistics statistics) {
    this.statistics = statistics;
  }

  @Override
  public String id() {
    return "vim";
  }

  /** The fitted statistics. */
  public VimStatistics statistics() {
    return statistics;
  }

  @Override
  public double[] score(ModelOutputs outputs) {
    FloatMatrix f = outputs.features();
    FloatMatrix z = outputs.logits();
    if (f == null || z == null) {
      throw new IllegalArgumentException("vim needs the logits and the penultimate features");
    }
    int d = statistics.dims();
    if (f.cols() != d) {
      throw new IllegalArgumentException(
          "vim: the statistics were fitted on "
              + d
              + "-dimensional features but the features have "
              + f.cols()
              + " columns (refit with mos fit --vim-fit)");
    }
    double[] energy = new EnergyScore(1).score(z);
    double[] residual = residualNorms(f, statistics);
    double alpha = statistics.alpha();
    for (int i = 0; i < energy.length; i++) {
      energy[i] -= alpha * residual[i];
    }
    return energy;
  }

  /** ||(f - u) NS|| of every row of {@code features}. */
  public static double[] residualNorms(FloatMatrix features, VimStatistics statistics) {
    return residualNorms(features.values(), features.rows(), statistics);
  }

  /** ||(f - u) NS|| of every row of the n x D row-major {@code features}. */
  public static double[] residualNorms(float[] features, int n, VimStatistics statistics) {
    int d = statistics.dims();
    int r = statistics.residualDims();
    double[] u = statistics.originValues();
    double[] ns = statistics.basisValues();
    double[] out = new double[n];
    int block = Math.min(n, BLOCK_ROWS);
    double[] centred = new double[block * d];
    double[] projected = new double[block * r];
    for (int r0 = 0; r0 < n; r0 += block) {
      int rows = Math.min(block, n - r0);
      for (int i = 0; i < rows; i++) {
        int src = (r0 + i) * d;
        int dst = i * d;
        for (int j = 0; j < d; j++) {
          centred[dst + j] = features[src + j] - u[j];
        }
      }
      Blas.multiply(centred, rows, d, ns, r, projected);
      for (int i = 0; i < rows; i++) {
        double s = 0;
        for (int j = i * r, end = j + r; j < end; j++) {
          s += projected[j] * projected[j];
        }
        out[r0 + i] = Math.sqrt(s);
      }
    }
    return out;
  }
}
