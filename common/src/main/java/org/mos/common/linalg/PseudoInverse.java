package org.mos.common.linalg;

import java.util.Arrays;
import java.util.Optional;

/**
 * The pseudo-inverse of a symmetric matrix as scipy's {@code pinvh(a)} computes it with its default
 * tolerance (which sklearn's {@code EmpiricalCovariance}, and so the Mahalanobis reference, use):
 * {@code V diag(1/lambda) V^T} over the eigenvalues {@code |lambda| > d * eps * max|lambda|}.
 *
 * <p>When no eigenvalue can fall under that cutoff the pseudo-inverse is the inverse, and a
 * Cholesky inverse computes it with about a sixth of the work of the eigendecomposition: that path
 * is taken when the matrix is positive definite with an estimated reciprocal condition number of at
 * least {@value #CHOLESKY_MIN_RECIPROCAL_CONDITION}, which is 2e6 times above the cutoff at d =
 * 2048 (LAPACK's estimate would have to be that far off to drop an eigenvalue pinvh keeps). Both
 * paths then agree to rounding (relative error of order condition number x eps). Otherwise, and
 * whenever the caller knows the matrix is singular, the eigendecomposition ({@link
 * Blas#symmetricEigen}) gives pinvh's exact semantics.
 */
public final class PseudoInverse {

  /** The least estimated reciprocal condition number for which the Cholesky inverse is used. */
  public static final double CHOLESKY_MIN_RECIPROCAL_CONDITION = 1e-6;

  private PseudoInverse() {}

  /**
   * pinvh of the symmetric d x d row-major matrix {@code a} (read from its upper triangle), as a d
   * x d row-major array. {@code a} serves as workspace: its contents are destroyed, and the result
   * may be {@code a} itself.
   *
   * @param knownSingular true when the caller knows {@code a} has rank below d (for example a
   *     covariance of fewer rows than dimensions): skips the Cholesky attempt, which would fail
   */
  public static double[] symmetric(double[] a, int d, boolean knownSingular) {
    if (!knownSingular) {
      Optional<double[]> inverse = Blas.choleskyInverse(a, d, CHOLESKY_MIN_RECIPROCAL_CONDITION);
      if (inverse.isPresent()) {
        return inverse.get();
      }
    }
    return byEigendecomposition(a, d);
  }

  /**
   * pinvh of {@code a} by its eigendecomposition, whatever its condition (the reference path);
   * {@code a} is destroyed and holds the result.
   */
  public static double[] byEigendecomposition(double[] a, int d) {
    Blas.SymmetricEigen eig = Blas.symmetricEigenOverwriting(a, d);
    double[] values = eig.values();
    double max = 0;
    for (int k = 0; k < d; k++) {
      max = Math.max(max, Math.abs(values[k]));
    }
    double cutoff = d * Math.ulp(1.0) * max;
    // P = sum_k v_k v_k^T / lambda_k = sum_k s_k s_k^T with s_k = v_k / sqrt|lambda_k|, added for
    // the positive and subtracted for the negative kept eigenvalues: two symmetric rank-k updates
    // (dsyrk, half the operations of one general product). The eigenvalues ascend, so the kept
    // negative ones are the first rows of the eigenvectors and the kept positive ones the last:
    // scaled in place, each set is one contiguous block.
    int negative = 0;
    while (negative < d && values[negative] < -cutoff) {
      negative++;
    }
    int firstPositive = d;
    while (firstPositive > negative && values[firstPositive - 1] > cutoff) {
      firstPositive--;
    }
    double[] v = eig.vectors();
    for (int k = 0; k < d; k++) {
      if (k < negative || k >= firstPositive) {
        double scale = 1 / Math.sqrt(Math.abs(values[k]));
        for (int i = k * d; i < (k + 1) * d; i++) {
          v[i] *= scale;
        }
      }
    }
    double[] result = a; // free after the decomposition
    Arrays.fill(result, 0, d * d, 0.0);
    Blas.addGram(1.0, v, firstPositive * d, d - firstPositive, d, result);
    Blas.addGram(-1.0, v, 0, negative, d, result);
    Blas.mirrorUpper(result, d);
    return result;
  }
}
