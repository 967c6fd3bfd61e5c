package org.mos.common.score;

/**
 * ViM's fitted state (Wang et al., "ViM: Out-Of-Distribution with Virtual-logit Matching", CVPR
 * 2022; {@code haoqiwang/vim} {@code benchmark.py}): the origin {@code u = -pinv(W) b}, the
 * residual basis NS (the eigenvectors of the uncentred covariance of {@code x - u} after the first
 * {@code principalDim} ones) and the matching constant alpha.
 *
 * @param origin u, one value per feature dimension (D)
 * @param principalDim the principal subspace dimension DIM that NS leaves out
 * @param residualBasis NS, D x R row-major (R = D - DIM columns)
 * @param alpha mean max-logit over mean residual norm of the fit set
 */
public record VimStatistics(
    double[] origin, int principalDim, double[] residualBasis, double alpha) {

  public VimStatistics {
    int d = origin.length;
    if (d < 1) {
      throw new IllegalArgumentException("vim: the origin has no dimensions");
    }
    if (principalDim < 0 || principalDim >= d) {
      throw new IllegalArgumentException(
          "vim: principal dimension "
              + principalDim
              + " must be in [0, "
              + d
              + ") for "
              + d
              + "-dimensional features (fit option --vim-dim)");
    }
    if (residualBasis.length != (long) d * (d - principalDim)) {
      throw new IllegalArgumentException(
          "vim: the residual basis has "
              + residualBasis.length
              + " values but D x (D - DIM) = "
              + d
              + " x "
              + (d - principalDim)
              + " needs "
              + (long) d * (d - principalDim));
    }
    if (!Double.isFinite(alpha)) {
      throw new IllegalArgumentException("vim: alpha is " + alpha + ", expected a finite value");
    }
    origin = origin.clone();
    residualBasis = residualBasis.clone();
  }

  /** D, the feature dimension. */
  public int dims() {
    return origin.length;
  }

  /** R = D - DIM, the number of residual directions. */
  public int residualDims() {
    return origin.length - principalDim;
  }

  @Override
  public double[] origin() {
    return origin.clone();
  }

  @Override
  public double[] residualBasis() {
    return residualBasis.clone();
  }

  /** The backing arrays, for the score of this package; never modified. */
  double[] originValues() {
    return origin;
  }

  double[] basisValues() {
    return residualBasis;
  }
}
