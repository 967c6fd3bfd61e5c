package org.mos.common.io;

import java.util.Arrays;

/**
 * An n-dimensional array read from or written to NumPy's {@code .npy} format, held in C (row-major)
 * order as doubles (every numeric dtype of the format converts to double without loss, except
 * 64-bit integers beyond 2^53, which {@link #longs()} keeps exact).
 *
 * @param dtype the NumPy dtype string of the source, for example {@code <f4}, {@code <f8}, {@code
 *     <i8}
 * @param shape the dimensions; an empty shape is a scalar
 */
public record NpyArray(String dtype, int[] shape, double[] values, long[] longs) {

  public NpyArray {
    shape = shape.clone();
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values but got " + values.length);
    }
    if (longs != null && longs.length != values.length) {
      throw new IllegalArgumentException("integer view has a different length");
    }
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Number of elements. */
  public int size() {
    return values.length;
  }

  /** A copy of the shape. */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Whether the source dtype was an integer or boolean type. */
  public boolean isInteger() {
    return longs != null;
  }

  /** The values as floats (rounded for float64 sources). */
  public float[] toFloats() {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  /** The values as ints; fails, naming the value, when one is not an integer or does not fit. */
  public int[] toInts() {
    int[] out = new int[values.length];
    for (int i = 0; i < out.length; i++) {
      double v = values[i];
      long l = longs != null ? longs[i] : (long) v;
      if ((longs == null && v != Math.rint(v)) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "element " + i + " is " + (longs != null ? l : v) + ", not an int");
      }
      out[i] = (int) l;
    }
    return out;
  }

  /**
   * The rows of a 2-D array as a double matrix.
   *
   * @throws IllegalArgumentException when the array is not 2-D
   */
  public double[][] toMatrix() {
    if (shape.length != 2) {
      throw new IllegalArgumentException(
          "expected a 2-D array but the shape is " + Arrays.toString(shape));
    }
    double[][] m = new double[shape[0]][];
    for (int r = 0; r < shape[0]; r++) {
      m[r] = Arrays.copyOfRange(values, r * shape[1], (r + 1) * shape[1]);
    }
    return m;
  }
}
