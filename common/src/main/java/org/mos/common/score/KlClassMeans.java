package org.mos.common.score;

import java.util.Arrays;

/**
 * Fitted statistics of KL matching: the mean softmax vector d_c of every class c that has members
 * in the fit set. Immutable (arrays are copied in and out); serialisable with Jackson.
 *
 * @param labelSource which labels grouped the fit set
 * @param classes the class of each mean, ascending (classes without members are left out)
 * @param means one strictly positive vector per entry of {@code classes}, all of the logit count's
 *     length
 */
public record KlClassMeans(KlLabelSource labelSource, int[] classes, double[][] means) {

  public KlClassMeans {
    if (labelSource == null) {
      throw new IllegalArgumentException("labelSource is required");
    }
    if (classes.length == 0 || classes.length != means.length) {
      throw new IllegalArgumentException(
          "expected one mean per class but got "
              + classes.length
              + " classes and "
              + means.length
              + " means");
    }
    classes = classes.clone();
    means = deepCopy(means);
    int dims = means[0].length;
    for (int k = 0; k < means.length; k++) {
      if (k > 0 && classes[k] <= classes[k - 1]) {
        throw new IllegalArgumentException(
            "classes must be ascending: " + Arrays.toString(classes));
      }
      if (means[k].length != dims) {
        throw new IllegalArgumentException(
            "the mean of class "
                + classes[k]
                + " has "
                + means[k].length
                + " entries, expected "
                + dims);
      }
      for (int i = 0; i < dims; i++) {
        if (!(means[k][i] > 0) || !Double.isFinite(means[k][i])) {
          throw new IllegalArgumentException(
              "the mean softmax of class "
                  + classes[k]
                  + " has entry "
                  + means[k][i]
                  + " at "
                  + i
                  + ": KL matching needs strictly positive means");
        }
      }
    }
  }

  /** Number of entries of each mean (the logit count). */
  public int dims() {
    return means[0].length;
  }

  @Override
  public int[] classes() {
    return classes.clone();
  }

  @Override
  public double[][] means() {
    return deepCopy(means);
  }

  static double[][] deepCopy(double[][] m) {
    double[][] out = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = m[i].clone();
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KlClassMeans k
        && labelSource == k.labelSource
        && Arrays.equals(classes, k.classes)
        && Arrays.deepEquals(means, k.means);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(classes) * 31 + labelSource.hashCode();
  }

  @Override
  public String toString() {
    return "KlClassMeans[" + labelSource + ", " + classes.length + " classes x " + dims() + "]";
  }
}
