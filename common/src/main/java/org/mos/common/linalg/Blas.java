package org.mos.common.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Arrays;
import java.util.Optional;
import org.netlib.util.doubleW;
import org.netlib.util.intW;

/**
 * Row-major matrix products and symmetric solvers over {@code dev.ludovic.netlib} (native BLAS and
 * LAPACK when the system has them, pure Java otherwise). BLAS is column-major: a row-major m x n
 * array is, read column-major, its n x m transpose, so every wrapper here swaps operands instead of
 * copying. Arrays are never retained; the methods are thread-safe.
 */
public final class Blas {

  private Blas() {}

  private static BLAS blas() {
    return BLAS.getInstance();
  }

  private static LAPACK lapack() {
    return LAPACK.getInstance();
  }

  /** The BLAS implementation in use (e.g. {@code JNIBLAS} over OpenBLAS, or {@code VectorBLAS}). */
  public static String implementation() {
    return blas().getClass().getSimpleName() + " / " + lapack().getClass().getSimpleName();
  }

  /**
   * {@code C = A B^T} in float32: A is n x d (rows from {@code aOffset}), B is k x d (rows from
   * {@code bOffset}), C is n x k, all row-major.
   */
  public static void multiplyTransposedB(
      float[] a, int aOffset, int n, float[] b, int bOffset, int k, int d, float[] c) {
    check(a.length - aOffset >= (long) n * d, "A", a.length - aOffset, (long) n * d);
    check(b.length - bOffset >= (long) k * d, "B", b.length - bOffset, (long) k * d);
    check(c.length >= (long) n * k, "C", c.length, (long) n * k);
    if (n == 0 || k == 0) {
      return;
    }
    // column-major: C^T (k x n) = B (k x d, stored as B^T d x k) ^T * A^T (d x n)
    blas().sgemm("T", "N", k, n, d, 1f, b, bOffset, d, a, aOffset, d, 0f, c, 0, k);
  }

  /**
   * {@code C += A B^T} in float32: A is n x d, B is k x d, C is n x k, all row-major (a linear
   * layer's outputs {@code x W^T} added to C preset with the bias).
   */
  public static void addMultiplyTransposedB(float[] a, int n, int d, float[] b, int k, float[] c) {
    check(a.length >= (long) n * d, "A", a.length, (long) n * d);
    check(b.length >= (long) k * d, "B", b.length, (long) k * d);
    check(c.length >= (long) n * k, "C", c.length, (long) n * k);
    if (n == 0 || k == 0) {
      return;
    }
    // column-major: C^T (k x n) += B (k x d, stored as B^T d x k) ^T * A^T (d x n)
    blas().sgemm("T", "N", k, n, d, 1f, b, d, a, d, 1f, c, k);
  }

  /**
   * {@code C = A^T B} in float32: A is m x p, B is m x q, C is p x q, all row-major (a linear
   * layer's weight gradient {@code dz^T x} over a batch of m rows).
   */
  public static void multiplyTransposedA(float[] a, int m, int p, float[] b, int q, float[] c) {
    check(a.length >= (long) m * p, "A", a.length, (long) m * p);
    check(b.length >= (long) m * q, "B", b.length, (long) m * q);
    check(c.length >= (long) p * q, "C", c.length, (long) p * q);
    if (p == 0 || q == 0) {
      return;
    }
    // column-major: C^T (q x p) = B^T (q x m, B as stored) * A (m x p, A^T as stored, transposed)
    blas().sgemm("N", "T", q, p, m, 1f, b, q, a, p, 0f, c, q);
  }

  /** {@code C = A B} in float64: A is n x d, B is d x k, C is n x k, all row-major. */
  public static void multiply(double[] a, int n, int d, double[] b, int k, double[] c) {
    check(a.length >= (long) n * d, "A", a.length, (long) n * d);
    check(b.length >= (long) d * k, "B", b.length, (long) d * k);
    check(c.length >= (long) n * k, "C", c.length, (long) n * k);
    if (n == 0 || k == 0) {
      return;
    }
    // column-major: C^T (k x n) = B^T (k x d) * A^T (d x n)
    blas().dgemm("N", "N", k, n, d, 1.0, b, k, a, d, 0.0, c, k);
  }

  /** {@code C = A B^T} in float64: A is n x d, B is k x d, C is n x k, all row-major. */
  public static void multiplyTransposedB(double[] a, int n, int d, double[] b, int k, double[] c) {
    check(a.length >= (long) n * d, "A", a.length, (long) n * d);
    check(b.length >= (long) k * d, "B", b.length, (long) k * d);
    check(c.length >= (long) n * k, "C", c.length, (long) n * k);
    if (n == 0 || k == 0) {
      return;
    }
    blas().dgemm("T", "N", k, n, d, 1.0, b, d, a, d, 0.0, c, k);
  }

  /**
   * {@code C += alpha A^T B} in float64: A and B are m x d, C is d x d, all row-major (sums of
   * outer products of rows, such as {@code V^T diag(1/lambda) V}).
   */
  public static void addTransposedAProduct(
      double alpha, double[] a, double[] b, int m, int d, double[] c) {
    check(a.length >= (long) m * d, "A", a.length, (long) m * d);
    check(b.length >= (long) m * d, "B", b.length, (long) m * d);
    check(c.length >= (long) d * d, "C", c.length, (long) d * d);
    if (m == 0) {
      return;
    }
    // column-major: C^T (d x d) += alpha B^T A, with A, B read column-major as A^T, B^T (d x m)
    blas().dgemm("N", "T", d, d, m, alpha, b, d, a, d, 1.0, c, d);
  }

  /**
   * {@code S += X^T X} for X n x d row-major; S is d x d and only its upper triangle (row-major,
   * {@code j >= i}) is updated. Finish with {@link #mirrorUpper}.
   */
  public static void addGram(double[] x, int n, int d, double[] s) {
    addGram(1.0, x, n, d, s);
  }

  /**
   * {@code S += alpha X^T X} for X n x d row-major (BLAS {@code dsyrk}); S is d x d and only its
   * upper triangle (row-major, {@code j >= i}) is updated. Finish with {@link #mirrorUpper}.
   */
  public static void addGram(double alpha, double[] x, int n, int d, double[] s) {
    addGram(alpha, x, 0, n, d, s);
  }

  /**
   * {@link #addGram(double, double[], int, int, double[])} over the rows of X from {@code offset}.
   */
  public static void addGram(double alpha, double[] x, int offset, int n, int d, double[] s) {
    check(x.length - (long) offset >= (long) n * d, "X", x.length - (long) offset, (long) n * d);
    check(s.length >= (long) d * d, "S", s.length, (long) d * d);
    if (n == 0) {
      return;
    }
    // X read column-major is X^T (d x n); A A^T = X^T X. Column-major lower = row-major upper.
    blas().dsyrk("L", "N", d, n, alpha, x, offset, d, 1.0, s, 0, d);
  }

  /** Tile edge of {@link #mirrorUpper}: two 64 x 64 tiles of doubles stay in the L1/L2 cache. */
  private static final int MIRROR_TILE = 64;

  /** Copies the upper triangle of the d x d row-major matrix {@code s} onto its lower triangle. */
  public static void mirrorUpper(double[] s, int d) {
    // tile by tile: a plain column walk misses the cache on every write at d in the thousands
    for (int i0 = 0; i0 < d; i0 += MIRROR_TILE) {
      int i1 = Math.min(d, i0 + MIRROR_TILE);
      for (int j0 = i0; j0 < d; j0 += MIRROR_TILE) {
        int j1 = Math.min(d, j0 + MIRROR_TILE);
        for (int j = j0; j < j1; j++) {
          for (int i = i0; i < Math.min(i1, j); i++) {
            s[j * d + i] = s[i * d + j];
          }
        }
      }
    }
  }

  /**
   * The inverse of the symmetric d x d row-major matrix {@code a} (read from its upper triangle;
   * not modified) by Cholesky factorisation (LAPACK {@code dpotrf}, {@code dpotri}), when {@code a}
   * is positive definite and LAPACK's estimate of its reciprocal 1-norm condition number ({@code
   * dpocon}) is at least {@code minReciprocalCondition}; empty otherwise (the caller then needs an
   * eigendecomposition). About a sixth of the operations of {@link #symmetricEigen}, all in
   * matrix-matrix kernels.
   */
  public static Optional<double[]> choleskyInverse(
      double[] a, int d, double minReciprocalCondition) {
    check(a.length >= (long) d * d, "A", a.length, (long) d * d);
    // 1-norm of the symmetric matrix: the largest absolute column sum, from the upper triangle
    double[] columnSums = new double[d];
    for (int i = 0; i < d; i++) {
      columnSums[i] += Math.abs(a[i * d + i]);
      for (int j = i + 1; j < d; j++) {
        double v = Math.abs(a[i * d + j]);
        columnSums[i] += v;
        columnSums[j] += v;
      }
    }
    double norm = 0;
    for (double v : columnSums) {
      norm = Math.max(norm, v);
    }
    double[] f = Arrays.copyOf(a, d * d);
    intW info = new intW(0);
    // row-major upper = column-major lower
    lapack().dpotrf("L", d, f, d, info);
    if (info.val != 0) {
      return Optional.empty();
    }
    doubleW rcond = new doubleW(0);
    lapack().dpocon("L", d, f, d, norm, rcond, new double[3 * d], new int[d], info);
    if (info.val != 0 || !(rcond.val >= minReciprocalCondition)) {
      return Optional.empty();
    }
    lapack().dpotri("L", d, f, d, info);
    if (info.val != 0) {
      return Optional.empty();
    }
    mirrorUpper(f, d);
    return Optional.of(f);
  }

  /**
   * The eigen-decomposition of a symmetric d x d matrix (LAPACK {@code dsyevr}).
   *
   * @param values the eigenvalues, ascending
   * @param vectors row k (d values from {@code k * d}) is the unit eigenvector of {@code values[k]}
   */
  public record SymmetricEigen(double[] values, double[] vectors) {}

  /**
   * Eigenvalues and eigenvectors of the symmetric d x d row-major matrix {@code a}, read from its
   * upper triangle; {@code a} is not modified.
   *
   * @throws IllegalStateException when LAPACK reports no convergence
   */
  public static SymmetricEigen symmetricEigen(double[] a, int d) {
    check(a.length >= (long) d * d, "A", a.length, (long) d * d);
    return symmetricEigenOverwriting(Arrays.copyOf(a, d * d), d);
  }

  /**
   * {@link #symmetricEigen} without the copy: the contents of {@code a} are destroyed (it serves as
   * LAPACK's workspace), which saves a d x d array when the caller no longer needs it.
   */
  public static SymmetricEigen symmetricEigenOverwriting(double[] a, int d) {
    check(a.length >= (long) d * d, "A", a.length, (long) d * d);
    // dsyevr (relatively robust representations), the driver scipy's eigh uses by default
    double[] v = a;
    double[] w = new double[d];
    double[] z = new double[d * d];
    int[] support = new int[2 * d];
    intW found = new intW(0);
    intW info = new intW(0);
    double[] workSize = new double[1];
    int[] iworkSize = new int[1];
    // row-major upper = column-major lower
    lapack()
        .dsyevr(
            "V", "A", "L", d, v, d, 0, 0, 0, 0, 0, found, w, z, d, support, workSize, -1, iworkSize,
            -1, info);
    double[] work = new double[Math.max(1, (int) workSize[0])];
    int[] iwork = new int[Math.max(1, iworkSize[0])];
    info.val = 0;
    lapack()
        .dsyevr(
            "V",
            "A",
            "L",
            d,
            v,
            d,
            0,
            0,
            0,
            0,
            0,
            found,
            w,
            z,
            d,
            support,
            work,
            work.length,
            iwork,
            iwork.length,
            info);
    if (info.val != 0 || found.val != d) {
      throw new IllegalStateException(
          "the symmetric eigendecomposition (LAPACK dsyevr) of a "
              + d
              + " x "
              + d
              + " matrix failed with info "
              + info.val
              + " ("
              + found.val
              + " eigenvalues found)");
    }
    v = z;
    // column k of the column-major result is eigenvector k: row k of the row-major array
    return new SymmetricEigen(w, v);
  }

  /**
   * The minimum-norm least-squares solution u of {@code A u = y} (A m x n row-major), i.e. {@code
   * pinv(A) y}, by LAPACK's SVD solver {@code dgelss}; singular values below {@code rcond} times
   * the largest count as zero.
   */
  public static double[] pseudoInverseSolve(double[] a, int m, int n, double[] y, double rcond) {
    check(a.length >= (long) m * n, "A", a.length, (long) m * n);
    if (y.length != m) {
      throw new IllegalArgumentException(
          "the right-hand side has " + y.length + " values for " + m + " rows");
    }
    // column-major copy of A (m x n)
    double[] col = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        col[j * m + i] = a[i * n + j];
      }
    }
    int ldb = Math.max(1, Math.max(m, n));
    double[] b = new double[ldb];
    System.arraycopy(y, 0, b, 0, m);
    double[] s = new double[Math.max(1, Math.min(m, n))];
    intW rank = new intW(0);
    intW info = new intW(0);
    double[] workSize = new double[1];
    lapack().dgelss(m, n, 1, col, Math.max(1, m), b, ldb, s, rcond, rank, workSize, -1, info);
    double[] work = new double[Math.max(1, (int) workSize[0])];
    info.val = 0;
    lapack().dgelss(m, n, 1, col, Math.max(1, m), b, ldb, s, rcond, rank, work, work.length, info);
    if (info.val != 0) {
      throw new IllegalStateException(
          "the least-squares solve (LAPACK dgelss) of a "
              + m
              + " x "
              + n
              + " system failed with info "
              + info.val);
    }
    return java.util.Arrays.copyOf(b, n);
  }

  private static void check(boolean ok, String name, long have, long need) {
    if (!ok) {
      throw new IllegalArgumentException(
          "matrix " + name + " has " + have + " values but the product needs " + need);
    }
  }
}
