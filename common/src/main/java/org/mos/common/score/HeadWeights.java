package org.mos.common.score;

import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.mos.common.linalg.Blas;

/**
 * A classifier head {@code z = W f + b} in double precision, for the methods that recompute the
 * logits from reshaped features (ReAct, ASH, SCALE, DICE): W is (classes, dim), row-major. The
 * bundle's head comes from its ONNX graph ({@code org.mos.common.onnx.LinearHead}); this copy in
 * double keeps the large ASH-S/SCALE energies (hundreds) exact to the reference's precision.
 * Immutable.
 */
public final class HeadWeights {

  private final double[] weight;
  private final double[] bias;
  private final int classes;
  private final int dim;

  private HeadWeights(double[] weight, double[] bias, int classes, int dim) {
    if (weight.length != (long) classes * dim) {
      throw new IllegalArgumentException(
          "the weight has " + weight.length + " values for " + classes + " x " + dim);
    }
    if (bias.length != classes) {
      throw new IllegalArgumentException(
          "the bias has " + bias.length + " values but the weight " + classes + " rows");
    }
    this.weight = weight;
    this.bias = bias;
    this.classes = classes;
    this.dim = dim;
  }

  /** A head from W as rows (one per class) and b. */
  public static HeadWeights of(double[][] w, double[] b) {
    int c = w.length;
    int d = c == 0 ? 0 : w[0].length;
    double[] flat = new double[c * d];
    for (int i = 0; i < c; i++) {
      if (w[i].length != d) {
        throw new IllegalArgumentException(
            "weight row " + i + " has " + w[i].length + " values, row 0 has " + d);
      }
      System.arraycopy(w[i], 0, flat, i * d, d);
    }
    return new HeadWeights(flat, b.clone(), c, d);
  }

  /** A head from a float32 W (classes x dim) and b, as read from an ONNX graph. */
  public static HeadWeights of(FloatMatrix w, float[] b) {
    float[] v = w.toArray();
    double[] flat = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      flat[i] = v[i];
    }
    double[] bias = new double[b.length];
    for (int i = 0; i < b.length; i++) {
      bias[i] = b[i];
    }
    return new HeadWeights(flat, bias, w.rows(), w.cols());
  }

  /** The number of classes (logits). */
  public int classes() {
    return classes;
  }

  /** The feature length. */
  public int dim() {
    return dim;
  }

  /** W[c][j]. */
  public double weight(int c, int j) {
    return weight[c * dim + j];
  }

  /** b[c]. */
  public double bias(int c) {
    return bias[c];
  }

  /** {@code W f + b}. */
  public double[] logits(double[] f) {
    checkDim(f.length);
    double[] z = new double[classes];
    for (int c = 0; c < classes; c++) {
      double s = bias[c];
      int base = c * dim;
      for (int j = 0; j < dim; j++) {
        s += weight[base + j] * f[j];
      }
      z[c] = s;
    }
    return z;
  }

  /**
   * Rows per float64 product of {@link #logits(FloatMatrix)} (16 MiB at D = 2048): BLAS packs W
   * again for every product, so blocks much smaller cost measurably more.
   */
  private static final int BLOCK_ROWS = 1024;

  /**
   * {@code W f + b} of every row of {@code features}: the rows are copied to double a block at a
   * time and multiplied by W in one float64 BLAS product per block ({@link Blas}).
   */
  public double[][] logits(FloatMatrix features) {
    return logits(features, (RowShaping) null);
  }

  /**
   * Shapes one row of a block in place: the {@code length} values of {@code rows} from {@code
   * offset} on are one feature vector (in double), replaced by its shaped values.
   */
  @FunctionalInterface
  public interface RowShaping {
    /** Replaces {@code rows[offset .. offset + length)} by its shaped values. */
    void shape(double[] rows, int offset, int length);

    /** A shaping from a function of one vector that returns a new array of the same length. */
    static RowShaping of(UnaryOperator<double[]> shape) {
      return (rows, offset, length) -> {
        double[] shaped = shape.apply(Arrays.copyOfRange(rows, offset, offset + length));
        if (shaped.length != length) {
          throw new IllegalStateException(
              "a shaping returned " + shaped.length + " values for " + length);
        }
        System.arraycopy(shaped, 0, rows, offset, length);
      };
    }
  }

  /**
   * {@code W f' + b} of every row of {@code features}, where {@code f'} is the row shaped by {@code
   * shape} (in double, in place in the block buffer) and the head product runs as in {@link
   * #logits(FloatMatrix)}: one float64 BLAS product per block of shaped rows; null means no
   * shaping.
   */
  public double[][] logits(FloatMatrix features, RowShaping shape) {
    checkDim(features.cols());
    int n = features.rows();
    double[][] out = new double[n][];
    int block = Math.max(1, Math.min(n, BLOCK_ROWS));
    double[] x = new double[block * dim];
    double[] z = new double[block * classes];
    for (int r0 = 0; r0 < n; r0 += block) {
      int rows = Math.min(block, n - r0);
      features.copyRows(r0, rows, x);
      if (shape != null) {
        for (int i = 0; i < rows; i++) {
          shape.shape(x, i * dim, dim);
        }
      }
      Blas.multiplyTransposedB(x, rows, dim, weight, classes, z);
      for (int i = 0; i < rows; i++) {
        double[] row = new double[classes];
        for (int c = 0; c < classes; c++) {
          row[c] = z[i * classes + c] + bias[c];
        }
        out[r0 + i] = row;
      }
    }
    return out;
  }

  /** The same head with the weights where {@code keep} is false set to 0 (bias unchanged). */
  public HeadWeights masked(boolean[] keep) {
    if (keep.length != weight.length) {
      throw new IllegalArgumentException(
          "the mask has " + keep.length + " entries for " + weight.length + " weights");
    }
    double[] w = Arrays.copyOf(weight, weight.length);
    for (int i = 0; i < w.length; i++) {
      if (!keep[i]) {
        w[i] = 0;
      }
    }
    return new HeadWeights(w, bias, classes, dim);
  }

  /** Refuses a feature length other than the head's, naming both. */
  public void checkDim(int length) {
    if (length != dim) {
      throw new IllegalArgumentException(
          "the features have " + length + " values but the head takes " + dim);
    }
  }
}
