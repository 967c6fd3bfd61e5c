package org.mos.common.score;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Fitted Mahalanobis statistics of one layer: the class means mu_c of its (spatially averaged)
 * features and one tied precision matrix P, the pseudo-inverse of the maximum-likelihood covariance
 * of the class-centred features. Immutable; serialisable with Jackson.
 *
 * @param classes the class of each mean, ascending (classes without members are left out)
 * @param classMeans one mean per entry of {@code classes}
 * @param precision the D x D tied precision matrix
 */
public record MahalanobisLayerStatistics(
    int[] classes, double[][] classMeans, double[][] precision) {

  public MahalanobisLayerStatistics {
    if (classes.length == 0 || classes.length != classMeans.length) {
      throw new IllegalArgumentException(
          "expected one mean per class but got "
              + classes.length
              + " classes and "
              + classMeans.length
              + " means");
    }
    int dims = classMeans[0].length;
    if (precision.length != dims) {
      throw new IllegalArgumentException(
          "the means have "
              + dims
              + " dimensions but the precision is "
              + precision.length
              + " x ...");
    }
    for (double[] row : classMeans) {
      checkRow(row, dims, "class mean");
    }
    for (double[] row : precision) {
      checkRow(row, dims, "precision row");
    }
    classes = classes.clone();
    classMeans = KlClassMeans.deepCopy(classMeans);
    precision = KlClassMeans.deepCopy(precision);
  }

  private static void checkRow(double[] row, int dims, String what) {
    if (row.length != dims) {
      throw new IllegalArgumentException(
          "a " + what + " has " + row.length + " entries, expected " + dims);
    }
    for (double x : row) {
      if (!Double.isFinite(x)) {
        throw new IllegalArgumentException("a " + what + " holds " + x);
      }
    }
  }

  /**
   * Fits class means and the tied precision from one layer's features of a fit set: the covariance
   * is the maximum-likelihood estimate over all rows after subtracting each row's class mean (as
   * sklearn's {@code EmpiricalCovariance(assume_centered=False)} on class-centred features), the
   * precision its pseudo-inverse (EJML, SVD).
   *
   * @param labels the class of every row
   */
  public static MahalanobisLayerStatistics fit(FloatMatrix features, int[] labels) {
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

  static double[][] toArrays(DMatrixRMaj m) {
    double[][] out = new double[m.numRows][];
    for (int r = 0; r < m.numRows; r++) {
      out[r] = Arrays.copyOfRange(m.data, r * m.numCols, (r + 1) * m.numCols);
    }
    return out;
  }

  /** Feature dimension D. */
  public int dims() {
    return precision.length;
  }

  @Override
  public int[] classes() {
    return classes.clone();
  }

  @Override
  public double[][] classMeans() {
    return KlClassMeans.deepCopy(classMeans);
  }

  @Override
  public double[][] precision() {
    return KlClassMeans.deepCopy(precision);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MahalanobisLayerStatistics m
        && Arrays.equals(classes, m.classes)
        && Arrays.deepEquals(classMeans, m.classMeans)
        && Arrays.deepEquals(precision, m.precision);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(classes) * 31 + precision.length;
  }

  @Override
  public String toString() {
    return "MahalanobisLayerStatistics[" + classes.length + " classes, " + dims() + " dims]";
  }
}
