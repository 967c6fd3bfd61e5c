package org.mos.common.score;

import java.util.Arrays;
import java.util.stream.IntStream;

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

  /**
   * Fits the class means from the logits of a fit set: softmax of every row, grouped by {@code
   * labelSource}, averaged per class.
   *
   * @param trueLabels the true class of every row (required for {@link KlLabelSource#TRUE_LABELS},
   *     ignored otherwise)
   */
  public static KlClassMeans fit(FloatMatrix logits, int[] trueLabels, KlLabelSource labelSource) {
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
  static int[] predictedClasses(FloatMatrix logits) {
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
