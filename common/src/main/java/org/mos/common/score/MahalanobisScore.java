package org.mos.common.score;

import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Mahalanobis score (Lee, Lee, Lee &amp; Shin, "A Simple Unified Framework for Detecting
 * Out-of-Distribution Samples and Adversarial Attacks", NeurIPS 2018) as the MOS paper uses it. Per
 * layer l: {@code s_l(x) = max_c -1/2 (f_l - mu_lc)^T P_l (f_l - mu_lc)} on the spatially averaged
 * features f_l; the final score is {@code -P(OOD) = -sigmoid(b + sum_l w_l s_l)} with the fitted
 * logistic regression. The input perturbation happens before the features are computed.
 *
 * <p>Each precision P = V diag(lambda) V^T is factored once as W = diag(sqrt(lambda)) V^T, so the
 * distance is {@code |W f - W mu_c|^2}: subtracting in the whitened space keeps precision when the
 * features are far from the origin.
 */
public final class MahalanobisScore implements OodScore {

  private static final int ROWS_PER_TASK = 64;

  private final MahalanobisStatistics statistics;
  private final List<Whitened> layers = new ArrayList<>();

  /** The score for fitted statistics. */
  public MahalanobisScore(MahalanobisStatistics statistics) {
    this.statistics = statistics;
    for (MahalanobisLayerStatistics layer : statistics.layers()) {
      layers.add(Whitened.of(layer));
    }
  }

  @Override
  public String id() {
    return "mahalanobis";
  }

  /** The fitted statistics. */
  public MahalanobisStatistics statistics() {
    return statistics;
  }

  /** -P(OOD) from the layer features of the outputs. */
  @Override
  public double[] score(ModelOutputs outputs) {
    return combine(perLayerScores(outputs.layerFeatures()));
  }

  /**
   * -P(OOD) = -sigmoid(b + w . s) from per-layer scores s, indexed [layer][row] (as {@link
   * #perLayerScores}, or scores of perturbed inputs).
   */
  public double[] combine(double[][] perLayer) {
    if (perLayer.length != layers.size()) {
      throw new IllegalArgumentException(
          "mahalanobis: fitted for "
              + layers.size()
              + " layers but got scores of "
              + perLayer.length);
    }
    double[] w = statistics.regressionWeights();
    int rows = perLayer[0].length;
    double[] out = new double[rows];
    for (int r = 0; r < rows; r++) {
      double z = statistics.regressionBias();
      for (int l = 0; l < w.length; l++) {
        z += w[l] * perLayer[l][r];
      }
      out[r] = -1 / (1 + Math.exp(-z));
    }
    return out;
  }

  /** The per-layer scores s_l(x), indexed [layer][row]. */
  public double[][] perLayerScores(List<FloatMatrix> layerFeatures) {
    if (layerFeatures.size() != layers.size()) {
      throw new IllegalArgumentException(
          "mahalanobis: fitted for "
              + layers.size()
              + " layers but got features of "
              + layerFeatures.size());
    }
    double[][] out = new double[layers.size()][];
    for (int l = 0; l < layers.size(); l++) {
      out[l] = layers.get(l).score(layerFeatures.get(l), l);
    }
    return out;
  }

  /** The scores s_l(x) of one layer (its index in the statistics) for its features. */
  public double[] layerScore(int layer, FloatMatrix features) {
    checkLayer(layer);
    return layers.get(layer).score(features, layer);
  }

  private void checkLayer(int layer) {
    if (layer < 0 || layer >= layers.size()) {
      throw new IllegalArgumentException(
          "mahalanobis: no layer " + layer + " among " + layers.size());
    }
  }

  /**
   * The gradient with respect to the features f of one layer of {@code 1/2 (f - mu_c*)^T P (f -
   * mu_c*)}, c* the closest class (the one {@link #perLayerScores} takes the maximum at, the first
   * on ties): {@code P (f - mu_c*)} per row, computed as {@code W^T (W f - W mu_c*)} with P = W^T W
   * (P symmetrised, its null space dropped). This is the cotangent that Mahalanobis' input
   * perturbation pulls back to the input; rows of (count, D) in C order.
   *
   * @param layer the layer's index in the statistics
   */
  public float[] layerCotangent(int layer, FloatMatrix features) {
    checkLayer(layer);
    return layers.get(layer).cotangent(features, layer);
  }

  /** One layer in whitened coordinates: y = W f, means m_c = W mu_c. */
  private record Whitened(int dims, int rank, double[] w, double[] means, int classes) {

    static Whitened of(MahalanobisLayerStatistics layer) {
      int d = layer.dims();
      double[][] p = layer.precision();
      DMatrixRMaj m = new DMatrixRMaj(p);
      // Symmetrise: the fitted precision is symmetric up to rounding.
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < i; j++) {
          double s = 0.5 * (m.get(i, j) + m.get(j, i));
          m.set(i, j, s);
          m.set(j, i, s);
        }
      }
      EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
      if (!eig.decompose(m)) {
        throw new IllegalStateException("the eigendecomposition of a precision did not converge");
      }
      List<double[]> rowsOfW = new ArrayList<>();
      for (int k = 0; k < d; k++) {
        double lambda = eig.getEigenvalue(k).real;
        // A pseudo-inverse is positive semi-definite: drop its null space (and rounding noise).
        if (lambda > 0) {
          DMatrixRMaj vec = eig.getEigenVector(k);
          double s = Math.sqrt(lambda);
          double[] row = new double[d];
          for (int i = 0; i < d; i++) {
            row[i] = s * vec.get(i, 0);
          }
          rowsOfW.add(row);
        }
      }
      int rank = rowsOfW.size();
      double[] w = new double[rank * d];
      for (int k = 0; k < rank; k++) {
        System.arraycopy(rowsOfW.get(k), 0, w, k * d, d);
      }
      double[][] mu = layer.classMeans();
      double[] means = new double[mu.length * rank];
      for (int c = 0; c < mu.length; c++) {
        transform(w, rank, d, mu[c], 0, means, c * rank);
      }
      return new Whitened(d, rank, w, means, mu.length);
    }

    private void checkDims(FloatMatrix features, int layer) {
      if (features.cols() != dims) {
        throw new IllegalArgumentException(
            "mahalanobis: layer "
                + layer
                + " was fitted on "
                + dims
                + "-dimensional features but got "
                + features.cols());
      }
    }

    double[] score(FloatMatrix features, int layer) {
      checkDims(features, layer);
      float[] v = features.values();
      int rows = features.rows();
      double[] out = new double[rows];
      int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
      Rows.forEach(
          tasks,
          ROWS_PER_TASK * dims * Math.max(1, rank),
          t -> {
            // Scratch per task of rows, not per row.
            double[] f = new double[dims];
            double[] y = new double[rank];
            for (int r = t * ROWS_PER_TASK; r < Math.min(rows, (t + 1) * ROWS_PER_TASK); r++) {
              for (int i = 0; i < dims; i++) {
                f[i] = v[r * dims + i];
              }
              transform(w, rank, dims, f, 0, y, 0);
              out[r] = nearestMean(y);
            }
          });
      return out;
    }

    /** max_c -1/2 |y - m_c|^2. */
    private double nearestMean(double[] y) {
      return -0.5 * distance(y, nearestClass(y));
    }

    /** The first c minimising |y - m_c|^2. */
    private int nearestClass(double[] y) {
      int best = 0;
      double bestDistance = Double.POSITIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        double dist = distance(y, c);
        if (dist < bestDistance) {
          best = c;
          bestDistance = dist;
        }
      }
      return best;
    }

    private double distance(double[] y, int c) {
      double dist = 0;
      int base = c * rank;
      for (int k = 0; k < rank; k++) {
        double diff = y[k] - means[base + k];
        dist += diff * diff;
      }
      return dist;
    }

    /** W^T (W f - m_c*) per row. */
    float[] cotangent(FloatMatrix features, int layer) {
      checkDims(features, layer);
      float[] v = features.values();
      int rows = features.rows();
      float[] out = new float[rows * dims];
      double[] f = new double[dims];
      double[] y = new double[rank];
      for (int r = 0; r < rows; r++) {
        for (int i = 0; i < dims; i++) {
          f[i] = v[r * dims + i];
        }
        transform(w, rank, dims, f, 0, y, 0);
        int c = nearestClass(y);
        double[] g = new double[dims];
        for (int k = 0; k < rank; k++) {
          double diff = y[k] - means[c * rank + k];
          for (int i = 0; i < dims; i++) {
            g[i] += w[k * dims + i] * diff;
          }
        }
        for (int i = 0; i < dims; i++) {
          out[r * dims + i] = (float) g[i];
        }
      }
      return out;
    }

    static void transform(double[] w, int rank, int d, double[] f, int at, double[] y, int to) {
      for (int k = 0; k < rank; k++) {
        double s = 0;
        for (int i = 0; i < d; i++) {
          s += w[k * d + i] * f[at + i];
        }
        y[to + k] = s;
      }
    }
  }
}
