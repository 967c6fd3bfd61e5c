package org.mos.common.score;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * One-shot fits of KL class means and Mahalanobis statistics from a whole fit set in memory: the
 * reference the streaming accumulators of {@code common.fit} (what {@code mos fit} uses) are
 * checked against, and a quick way for tests to make statistics. Test code: checked against numpy
 * and sklearn in {@code ReferenceScoresTest} and {@code MahalanobisTest}.
 */
public final class OneShotFits {

  private OneShotFits() {}

  /**
   * Fits the class means from the logits of a fit set: softmax of every row, grouped by {@code
   * labelSource}, averaged per class.
   *
   * @param trueLabels the true class of every row (required for {@link KlLabelSource#TRUE_LABELS},
   *     ignored otherwise)
   */
  public static KlClassMeans klClassMeans(
      FloatMatrix logits, int[] trueLabels, KlLabelSource labelSource) {
    int rows = logits.rows();
    int cols = logits.cols();
    int[] labels;
    if (labelSource == KlLabelSource.TRUE_LABELS) {
      if (trueLabels == null || trueLabels.length != rows) {
        throw new IllegalArgumentException(
            "fitting by true labels needs one label per row: "
                + rows
                + " rows but "
                + (trueLabels == null ? "no" : String.valueOf(trueLabels.length))
                + " labels");
      }
      labels = trueLabels;
    } else {
      labels = predictedClasses(logits);
    }
    double[][] sums = new double[cols][];
    int[] counts = new int[cols];
    float[] v = logits.values();
    double[] p = new double[cols];
    for (int r = 0; r < rows; r++) {
      int y = labels[r];
      if (y < 0 || y >= cols) {
        throw new IllegalArgumentException(
            "label " + y + " of row " + r + " is not a class of a model with " + cols + " logits");
      }
      Softmax.row(v, r * cols, cols, p);
      if (sums[y] == null) {
        sums[y] = new double[cols];
      }
      for (int i = 0; i < cols; i++) {
        sums[y][i] += p[i];
      }
      counts[y]++;
    }
    int[] classes = IntStream.range(0, cols).filter(c -> counts[c] > 0).toArray();
    double[][] means = new double[classes.length][];
    for (int k = 0; k < classes.length; k++) {
      means[k] = sums[classes[k]];
      for (int i = 0; i < cols; i++) {
        means[k][i] /= counts[classes[k]];
      }
    }
    return new KlClassMeans(labelSource, classes, means);
  }

  /** Argmax of every row (the first on ties). */
  private static int[] predictedClasses(FloatMatrix logits) {
    float[] v = logits.values();
    int cols = logits.cols();
    int[] out = new int[logits.rows()];
    for (int r = 0; r < out.length; r++) {
      int base = r * cols;
      int arg = 0;
      for (int i = 1; i < cols; i++) {
        if (v[base + i] > v[base + arg]) {
          arg = i;
        }
      }
      out[r] = arg;
    }
    return out;
  }

  /**
   * Fits class means and the tied precision from one layer's features of a fit set: the covariance
   * is the maximum-likelihood estimate over all rows after subtracting each row's class mean (as
   * sklearn's {@code EmpiricalCovariance(assume_centered=False)} on class-centred features), the
   * precision its pseudo-inverse (EJML, SVD).
   *
   * @param labels the class of every row
   */
  public static MahalanobisLayerStatistics mahalanobisLayer(FloatMatrix features, int[] labels) {
    int n = features.rows();
    int d = features.cols();
    if (labels.length != n) {
      throw new IllegalArgumentException(
          "got " + labels.length + " labels for " + n + " rows of features");
    }
    int numClasses = 0;
    for (int r = 0; r < n; r++) {
      if (labels[r] < 0) {
        throw new IllegalArgumentException("label of row " + r + " is " + labels[r]);
      }
      numClasses = Math.max(numClasses, labels[r] + 1);
    }
    double[][] means = classMeans(features, labels, numClasses);
    int[] classes = IntStream.range(0, numClasses).filter(c -> means[c] != null).toArray();
    DMatrixRMaj precision = new DMatrixRMaj(d, d);
    CommonOps_DDRM.pinv(tiedCovariance(features, labels, means), precision);
    double[][] kept = new double[classes.length][];
    for (int k = 0; k < classes.length; k++) {
      kept[k] = means[classes[k]];
    }
    return new MahalanobisLayerStatistics(classes, kept, toArrays(precision));
  }

  /** The mean feature of every class 0..numClasses-1, null for a class without rows. */
  private static double[][] classMeans(FloatMatrix features, int[] labels, int numClasses) {
    float[] v = features.values();
    int d = features.cols();
    double[][] sums = new double[numClasses][];
    int[] counts = new int[numClasses];
    for (int r = 0; r < labels.length; r++) {
      int y = labels[r];
      if (sums[y] == null) {
        sums[y] = new double[d];
      }
      for (int i = 0; i < d; i++) {
        sums[y][i] += v[r * d + i];
      }
      counts[y]++;
    }
    for (int c = 0; c < numClasses; c++) {
      for (int i = 0; sums[c] != null && i < d; i++) {
        sums[c][i] /= counts[c];
      }
    }
    return sums;
  }

  /** Maximum-likelihood covariance (divided by n) of the rows minus their class means. */
  private static DMatrixRMaj tiedCovariance(FloatMatrix features, int[] labels, double[][] means) {
    float[] v = features.values();
    int n = features.rows();
    int d = features.cols();
    DMatrixRMaj centred = new DMatrixRMaj(n, d);
    for (int r = 0; r < n; r++) {
      double[] mu = means[labels[r]];
      for (int i = 0; i < d; i++) {
        centred.data[r * d + i] = v[r * d + i] - mu[i];
      }
    }
    // The class-centred rows average to 0 up to rounding; subtract that mean as sklearn does.
    DMatrixRMaj mean = new DMatrixRMaj(1, d);
    CommonOps_DDRM.sumCols(centred, mean);
    CommonOps_DDRM.divide(mean, n);
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < d; i++) {
        centred.data[r * d + i] -= mean.data[i];
      }
    }
    DMatrixRMaj cov = new DMatrixRMaj(d, d);
    CommonOps_DDRM.multTransA(centred, centred, cov);
    CommonOps_DDRM.divide(cov, n);
    return cov;
  }

  private static double[][] toArrays(DMatrixRMaj m) {
    double[][] out = new double[m.numRows][];
    for (int r = 0; r < m.numRows; r++) {
      out[r] = Arrays.copyOfRange(m.data, r * m.numCols, (r + 1) * m.numCols);
    }
    return out;
  }
}
