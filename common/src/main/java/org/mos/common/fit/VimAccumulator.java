package org.mos.common.fit;

import java.io.IOException;
import java.nio.file.Path;
import org.mos.common.linalg.Blas;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.VimScore;
import org.mos.common.score.VimStatistics;

/**
 * Fits ViM ({@link VimStatistics}) as the authors' {@code benchmark.py} does, over a fit set
 * streamed batch by batch:
 *
 * <ol>
 *   <li>origin {@code u = -pinv(W) b} from the head (before any feature is read);
 *   <li>{@code Sigma = (X - u)^T (X - u) / N} (uncentred around u, sklearn's {@code
 *       EmpiricalCovariance(assume_centered=True)}), accumulated in float64 by BLAS {@code dsyrk};
 *   <li>its symmetric eigendecomposition (LAPACK {@code dsyevr}); NS = the eigenvectors of all
 *       eigenvalues after the largest {@code DIM};
 *   <li>{@code alpha = mean_i max_c z_ic / mean_i ||(x_i - u) NS||}: the residuals need NS, so the
 *       features are spilled to disk ({@link FeatureSpill}) and read a second time.
 * </ol>
 *
 * The heap holds the D x D scatter and one batch. Not thread-safe.
 */
public final class VimAccumulator implements AutoCloseable {

  /** numpy {@code pinv}'s default relative cut-off of singular values. */
  static final double PINV_RCOND = 1e-15;

  private final int dims;
  private final int principalDim;
  private final double[] origin;
  private final double[] scatter;
  private final FeatureSpill spill;
  private double maxLogitSum;

  /**
   * An empty fit for features of the head {@code weight} (classes x D, row-major) and {@code bias}.
   *
   * @param principalDim DIM, the principal subspace dimension ({@link #authorsDim})
   * @param tempDir where the fit set's features are spilled
   */
  public VimAccumulator(FloatMatrix weight, float[] bias, int principalDim, Path tempDir)
      throws IOException {
    this.dims = weight.cols();
    if (principalDim < 0 || principalDim >= dims) {
      throw new IllegalArgumentException(
          "vim: principal dimension "
              + principalDim
              + " must be in [0, "
              + dims
              + ") for "
              + dims
              + "-dimensional features (--vim-dim)");
    }
    this.principalDim = principalDim;
    this.origin = origin(weight, bias);
    this.scatter = new double[dims * dims];
    this.spill = new FeatureSpill(tempDir, dims);
  }

  /**
   * The authors' principal dimension for D-dimensional features: 1000 if D >= 2048, 512 if D >=
   * 768, else D / 2 ({@code benchmark.py} L230-L235).
   */
  public static int authorsDim(int dims) {
    return dims >= 2048 ? 1000 : dims >= 768 ? 512 : dims / 2;
  }

  /** {@code u = -pinv(W) b}: the minimum-norm point where every logit is 0. */
  public static double[] origin(FloatMatrix weight, float[] bias) {
    int c = weight.rows();
    int d = weight.cols();
    float[] w = weight.toArray();
    double[] a = new double[c * d];
    for (int i = 0; i < a.length; i++) {
      a[i] = w[i];
    }
    double[] minusB = new double[c];
    for (int i = 0; i < c; i++) {
      minusB[i] = -bias[i];
    }
    return Blas.pseudoInverseSolve(a, c, d, minusB, PINV_RCOND);
  }

  /** The origin u. */
  public double[] origin() {
    return origin.clone();
  }

  /** Adds a batch: the penultimate features and the logits of the same rows. */
  public void add(FloatMatrix features, FloatMatrix logits) {
    if (features.cols() != dims) {
      throw new IllegalArgumentException(
          "expected " + dims + "-dimensional features but got " + features.cols());
    }
    if (logits.rows() != features.rows()) {
      throw new IllegalArgumentException(
          logits.rows() + " rows of logits for " + features.rows() + " rows of features");
    }
    int n = features.rows();
    float[] v = features.toArray();
    float[] z = logits.toArray();
    int classes = logits.cols();
    double[] centred = new double[n * dims];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dims; j++) {
        centred[i * dims + j] = v[i * dims + j] - origin[j];
      }
      float max = z[i * classes];
      for (int c = 1; c < classes; c++) {
        max = Math.max(max, z[i * classes + c]);
      }
      maxLogitSum += max;
      spill.append(v, i * dims);
    }
    Blas.addGram(centred, n, dims, scatter);
  }

  /** The rows added. */
  public long rows() {
    return spill.rows();
  }

  /** The fitted statistics and the eigenvalues of Sigma, descending. */
  public record Result(VimStatistics statistics, double[] eigenvaluesDescending) {}

  /**
   * The statistics: NS from the eigendecomposition, then alpha from a second pass over the spilled
   * features.
   *
   * @throws IllegalStateException when nothing was added
   */
  public Result result() throws IOException {
    long n = spill.rows();
    if (n == 0) {
      throw new IllegalStateException("no features were added: nothing to fit ViM on");
    }
    double[] sigma = scatter.clone();
    Blas.mirrorUpper(sigma, dims);
    for (int i = 0; i < sigma.length; i++) {
      sigma[i] /= n;
    }
    Blas.SymmetricEigen eig = Blas.symmetricEigen(sigma, dims);
    int r = dims - principalDim;
    // ascending order: the first D - DIM eigenvectors are those after the largest DIM
    double[] ns = new double[dims * r];
    double[] vectors = eig.vectors();
    for (int c = 0; c < r; c++) {
      for (int j = 0; j < dims; j++) {
        ns[j * r + c] = vectors[c * dims + j];
      }
    }
    double[] descending = new double[dims];
    for (int k = 0; k < dims; k++) {
      descending[k] = eig.values()[dims - 1 - k];
    }
    VimStatistics unmatched = new VimStatistics(origin, principalDim, ns, 0);
    double[] residualSum = new double[1];
    spill.forEachBlock(
        1024,
        (rows, count) -> {
          for (double norm : VimScore.residualNorms(rows, count, unmatched)) {
            residualSum[0] += norm;
          }
        });
    double meanResidual = residualSum[0] / n;
    double alpha = (maxLogitSum / n) / meanResidual;
    if (!Double.isFinite(alpha)) {
      throw new IllegalStateException(
          "vim: alpha = mean max-logit "
              + (maxLogitSum / n)
              + " / mean residual "
              + meanResidual
              + " is not finite (the fit set's features lie in the principal subspace; try a"
              + " smaller --vim-dim)");
    }
    return new Result(new VimStatistics(origin, principalDim, ns, alpha), descending);
  }

  @Override
  public void close() throws IOException {
    spill.close();
  }
}
