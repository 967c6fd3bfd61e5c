package org.mos.common.score;

import java.util.Arrays;

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
