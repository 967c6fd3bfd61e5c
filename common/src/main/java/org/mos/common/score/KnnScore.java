package org.mos.common.score;

import java.util.stream.IntStream;
import org.mos.common.linalg.Blas;

/**
 * KNN, deep nearest neighbours (Sun, Ming, Zhu, Li, "Out-of-Distribution Detection with Deep
 * Nearest Neighbors", ICML 2022), as the authors' {@code run_imagenet.py} and OpenOOD compute it:
 * the query is normalised as {@code f / ||f|| + 1e-10} (the constant added to every component), and
 * the score is minus the <b>squared</b> Euclidean distance to its K-th nearest row of the bank
 * ({@link KnnBank}, normalised the same way), what faiss {@code IndexFlatL2} returns. Higher = more
 * in-distribution.
 *
 * <p>Exact search by blocked matrix products: the bank is read in blocks of rows from its mapping,
 * {@code S = Q B^T} is one float32 BLAS product per block, and each query keeps its K best rows by
 * {@code <q, b> - ||b||^2 / 2} (the order of the squared distance) in a bounded heap. The distance
 * of the K-th row is then recomputed exactly in float64. A zero feature vector, which the reference
 * turns into NaN, is treated as the zero vector plus 1e-10.
 *
 * <p>With an approximate index ({@link KnnIndex}, {@code mos fit --knn-index hnsw}) each query's K
 * rows come from a graph search instead, and the score is minus the float64 squared distance of the
 * farthest of the K rows returned: what the exact search computes when the index returns the exact
 * K nearest.
 */
public final class KnnScore implements OodScore {

  /** The authors' ImageNet K (METHODS.md §5.3); OpenOOD searches from 50. */
  public static final int DEFAULT_K = 1000;

  /** The reference normaliser's constant, added to every normalised component. */
  static final double NORMALISER_EPSILON = 1e-10;

  /** Bank bytes per block: large enough for an efficient product, small beside the caches. */
  private static final long BLOCK_BYTES = 8L << 20;

  private final KnnBank bank;
  private final int k;
  private final KnnIndex index;

  /**
   * KNN over {@code bank} with the K-th neighbour, by exact search.
   *
   * @throws IllegalArgumentException when k is below 1 or above the bank's rows
   */
  public KnnScore(KnnBank bank, int k) {
    this(bank, k, null);
  }

  /**
   * KNN over {@code bank} with the K-th neighbour, searched in {@code index} (null: exact search).
   *
   * @throws IllegalArgumentException when k is below 1 or above the bank's rows
   */
  public KnnScore(KnnBank bank, int k, KnnIndex index) {
    if (k < 1 || k > bank.rows()) {
      throw new IllegalArgumentException(
          "knn: K = "
              + k
              + " but the bank has "
              + bank.rows()
              + " rows: K must be in [1, "
              + bank.rows()
              + "] (knn@k=N in the method id, fit option --knn-k, or a larger --knn-fit set)");
    }
    this.bank = bank;
    this.k = k;
    this.index = index;
  }

  /** The approximate index searched, or null for the exact search. */
  public KnnIndex index() {
    return index;
  }

  @Override
  public String id() {
    return "knn";
  }

  /** K. */
  public int k() {
    return k;
  }

  /** The bank. */
  public KnnBank bank() {
    return bank;
  }

  /** The reference normaliser, {@code x / ||x|| + 1e-10} per component, in float64. */
  public static double[] normalise(float[] x, int from, int d) {
    double s = 0;
    for (int j = 0; j < d; j++) {
      s += (double) x[from + j] * x[from + j];
    }
    double inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    double[] out = new double[d];
    for (int j = 0; j < d; j++) {
      out[j] = x[from + j] * inv + NORMALISER_EPSILON;
    }
    return out;
  }

  @Override
  public double[] score(ModelOutputs outputs) {
    FloatMatrix f = outputs.features();
    if (f == null) {
      throw new IllegalArgumentException("knn needs the penultimate features");
    }
    int d = bank.dims();
    if (f.cols() != d) {
      throw new IllegalArgumentException(
          "knn: the bank holds "
              + d
              + "-dimensional features but the features have "
              + f.cols()
              + " columns (refit with mos fit --knn-fit)");
    }
    int n = f.rows();
    float[] v = f.values();
    double[][] q = new double[n][];
    float[] qf = new float[n * d];
    for (int i = 0; i < n; i++) {
      q[i] = normalise(v, i * d, d);
      for (int j = 0; j < d; j++) {
        qf[i * d + j] = (float) q[i][j];
      }
    }
    double[] out = new double[n];
    if (index != null) {
      IntStream.range(0, n)
          .parallel()
          .forEach(
              i -> {
                double farthest = 0;
                for (int row : index.nearest(qf, i * d, k)) {
                  farthest = Math.max(farthest, squaredDistance(q[i], row));
                }
                out[i] = -farthest;
              });
      return out;
    }
    int[] kth = kthNearest(qf, n);
    for (int i = 0; i < n; i++) {
      out[i] = -squaredDistance(q[i], kth[i]);
    }
    return out;
  }

  /** The float64 squared distance of a normalised query to a bank row. */
  private double squaredDistance(double[] q, int row) {
    float[] b = bank.row(row);
    double s = 0;
    for (int j = 0; j < b.length; j++) {
      double diff = q[j] - b[j];
      s += diff * diff;
    }
    return s;
  }

  /**
   * The K nearest bank rows of each row of {@code features} (normalised first), nearest first: what
   * faiss {@code IndexFlatL2.search} returns as indices (with an index: the approximate K nearest,
   * as its search orders them).
   */
  public int[][] nearestRows(FloatMatrix features) {
    int d = bank.dims();
    int n = features.rows();
    float[] v = features.values();
    float[] qf = new float[n * d];
    for (int i = 0; i < n; i++) {
      double[] q = normalise(v, i * d, d);
      for (int j = 0; j < d; j++) {
        qf[i * d + j] = (float) q[j];
      }
    }
    int[][] out = new int[n][];
    if (index != null) {
      for (int i = 0; i < n; i++) {
        out[i] = index.nearest(qf, i * d, k);
      }
      return out;
    }
    NearestRows[] best = neighbours(qf, n);
    for (int i = 0; i < n; i++) {
      out[i] = best[i].rowsBestFirst();
    }
    return out;
  }

  /** The bank row of the K-th nearest neighbour of each of the n normalised queries. */
  int[] kthNearest(float[] queries, int n) {
    NearestRows[] best = neighbours(queries, n);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = best[i].worstRow();
    }
    return out;
  }

  /** The K nearest bank rows of each of the n normalised queries (row-major n x D). */
  NearestRows[] neighbours(float[] queries, int n) {
    int d = bank.dims();
    int blockRows =
        (int)
            Math.max(1, Math.min(Math.min(bank.rows(), bank.regionRows()), BLOCK_BYTES / (4L * d)));
    NearestRows[] best = new NearestRows[n];
    for (int i = 0; i < n; i++) {
      best[i] = new NearestRows(k);
    }
    float[] block = new float[blockRows * d];
    float[] products = new float[n * blockRows];
    int regionRows = bank.regionRows();
    for (int r0 = 0; r0 < bank.rows(); ) {
      // a block never crosses a mapped region
      int regionEnd = Math.min(bank.rows(), (r0 / regionRows + 1) * regionRows);
      int rows = Math.min(blockRows, regionEnd - r0);
      bank.copyRows(r0, rows, block);
      Blas.multiplyTransposedB(queries, 0, n, block, 0, rows, d, products);
      int first = r0;
      IntStream range = IntStream.range(0, n);
      if ((long) n * rows >= Rows.PARALLEL_MIN_VALUES) {
        range = range.parallel();
      }
      range.forEach(
          i -> {
            NearestRows h = best[i];
            int base = i * rows;
            for (int j = 0; j < rows; j++) {
              double key = products[base + j] - 0.5 * bank.squaredNorm(first + j);
              h.offer(key, first + j);
            }
          });
      r0 += rows;
    }
    return best;
  }
}
