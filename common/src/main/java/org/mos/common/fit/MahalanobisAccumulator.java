package org.mos.common.fit;

import java.util.Arrays;
import org.mos.common.linalg.Blas;
import org.mos.common.linalg.PseudoInverse;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.MahalanobisLayerStatistics;

/**
 * Fits one {@link MahalanobisLayerStatistics} (class means and tied precision) over a fit set
 * streamed batch by batch, in memory independent of the number of images: per-class sums and one D
 * x D scatter matrix. The covariance is the maximum-likelihood estimate of the class-centred
 * features,
 *
 * <pre>
 *   Sigma = 1/n [ sum_i (f_i - r)(f_i - r)^T - sum_c n_c (mu_c - r)(mu_c - r)^T ],
 * </pre>
 *
 * which equals {@code 1/n sum_i (f_i - mu_{y_i})(f_i - mu_{y_i})^T} for any r; r is the first
 * feature row, which keeps the two sums small and the subtraction accurate. The precision is its
 * pseudo-inverse computed as scipy's {@code pinvh} (which sklearn's {@code EmpiricalCovariance} and
 * so the Mahalanobis reference use), by {@link PseudoInverse}: a Cholesky inverse when the
 * covariance is well conditioned (the usual case of a fit set larger than the width), a symmetric
 * eigendecomposition with eigenvalues at or below {@code D * eps * max|lambda|} dropped otherwise,
 * and always when there are fewer class-centred rows than dimensions. It matches the tests'
 * one-shot fit (an SVD pseudo-inverse) to rounding. The scatter and the class-mean correction are
 * symmetric rank-k updates (BLAS {@code dsyrk}) on the BLAS of {@link Blas}. Not thread-safe.
 */
public final class MahalanobisAccumulator {

  private final int dims;
  private double[] reference;
  private double[][] sums = new double[0][];
  private long[] counts = new long[0];
  private long rows;

  /** X^T X of the centred rows, d x d row-major; only the upper triangle is accumulated. */
  private final double[] scatter;

  /** Rows gathered before one {@code dsyrk}: small batches would make it memory-bound. */
  private static final int PENDING_ROWS = 512;

  private final double[] pending;
  private int pendingRows;

  /** An empty accumulator for features of {@code dims} dimensions. */
  public MahalanobisAccumulator(int dims) {
    if (dims < 1) {
      throw new IllegalArgumentException("features need at least 1 dimension, got " + dims);
    }
    this.dims = dims;
    this.scatter = new double[dims * dims];
    this.pending = new double[PENDING_ROWS * dims];
  }

  /** Adds a batch of (spatially averaged) features with the class label of every row (>= 0). */
  public void add(FloatMatrix features, int[] labels) {
    if (features.cols() != dims) {
      throw new IllegalArgumentException(
          "expected " + dims + "-dimensional features but got " + features.cols());
    }
    int n = features.rows();
    if (labels.length != n) {
      throw new IllegalArgumentException("got " + labels.length + " labels for " + n + " rows");
    }
    if (n == 0) {
      return;
    }
    float[] v = features.toArray();
    if (reference == null) {
      reference = new double[dims];
      for (int i = 0; i < dims; i++) {
        reference[i] = v[i];
      }
    }
    for (int r = 0; r < n; r++) {
      int y = labels[r];
      if (y < 0) {
        throw new IllegalArgumentException("label of row " + r + " is " + y);
      }
    }
    for (int r = 0; r < n; r++) {
      int y = labels[r];
      grow(y + 1);
      if (sums[y] == null) {
        sums[y] = new double[dims];
      }
      int at = pendingRows * dims;
      for (int i = 0; i < dims; i++) {
        double c = v[r * dims + i] - reference[i];
        pending[at + i] = c;
        sums[y][i] += c;
      }
      counts[y]++;
      if (++pendingRows == PENDING_ROWS) {
        flush();
      }
    }
    rows += n;
  }

  private void flush() {
    Blas.addGram(pending, pendingRows, dims, scatter);
    pendingRows = 0;
  }

  private void grow(int classes) {
    if (classes > counts.length) {
      int size = Math.max(classes, 2 * counts.length);
      sums = Arrays.copyOf(sums, size);
      counts = Arrays.copyOf(counts, size);
    }
  }

  /** The number of rows added. */
  public long rows() {
    return rows;
  }

  /**
   * The fitted layer: means of the classes seen, pseudo-inverse of the tied covariance.
   *
   * @throws IllegalStateException when nothing was added
   */
  public MahalanobisLayerStatistics result() {
    if (rows == 0) {
      throw new IllegalStateException("no features were added: nothing to fit Mahalanobis on");
    }
    int classes = 0;
    for (long c : counts) {
      classes += c > 0 ? 1 : 0;
    }
    int[] ids = new int[classes];
    double[][] means = new double[classes][dims];
    flush();
    double[] cov = scatter.clone();
    // rows of `weighted` are sqrt(n_c) (mu_c - r)
    double[] weighted = new double[classes * dims];
    int k = 0;
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] == 0) {
        continue;
      }
      ids[k] = c;
      double root = Math.sqrt(counts[c]);
      for (int i = 0; i < dims; i++) {
        double mu = sums[c][i] / counts[c]; // mu_c - r
        weighted[k * dims + i] = root * mu;
        means[k][i] = mu + reference[i];
      }
      k++;
    }
    // cov -= sum_c n_c (mu_c - r)(mu_c - r)^T, upper triangle (as the scatter)
    Blas.addGram(-1.0, weighted, classes, dims, cov);
    double scale = 1.0 / rows;
    for (int i = 0; i < dims; i++) {
      for (int j = i; j < dims; j++) {
        cov[i * dims + j] *= scale;
      }
    }
    // the class-centred rows sum to zero within each class: rank <= rows - classes
    boolean singular = rows - classes < dims;
    double[] inverse = PseudoInverse.symmetric(cov, dims, singular);
    double[][] p = new double[dims][];
    for (int r = 0; r < dims; r++) {
      p[r] = Arrays.copyOfRange(inverse, r * dims, (r + 1) * dims);
    }
    return new MahalanobisLayerStatistics(ids, means, p);
  }
}
