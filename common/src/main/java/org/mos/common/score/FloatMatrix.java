package org.mos.common.score;

import java.util.Arrays;
import org.mos.common.io.NpyArray;

/**
 * An immutable batch of float32 model outputs (logits or features), one row per input, stored
 * row-major in one array so that scoring a batch creates no per-row objects. Every value is finite:
 * NaN or infinity is rejected on creation, naming the row and column.
 */
public final class FloatMatrix {

  private final float[] values;
  private final int rows;
  private final int cols;

  private FloatMatrix(float[] values, int rows, int cols) {
    if (rows < 0 || cols < 1 || (long) rows * cols != values.length) {
      throw new IllegalArgumentException(
          "a batch of "
              + rows
              + " x "
              + cols
              + " needs "
              + ((long) rows * cols)
              + " values but got "
              + values.length);
    }
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            "value at row " + (i / cols) + ", column " + (i % cols) + " is " + values[i]);
      }
    }
    this.values = values;
    this.rows = rows;
    this.cols = cols;
  }

  /** A batch holding a copy of {@code values} (row-major, {@code rows x cols}). */
  public static FloatMatrix copyOf(float[] values, int rows, int cols) {
    return new FloatMatrix(values.clone(), rows, cols);
  }

  /**
   * A batch over {@code values} without copying them; the caller hands the array over and must not
   * change it afterwards (for large batches read once, such as a logits file).
   */
  public static FloatMatrix wrap(float[] values, int rows, int cols) {
    return new FloatMatrix(values, rows, cols);
  }

  /** A batch from rows of equal length (doubles are rounded to float32). */
  public static FloatMatrix ofRows(double[][] rows) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("ofRows needs at least one row to know the width");
    }
    int cols = rows[0].length;
    float[] v = new float[rows.length * cols];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != cols) {
        throw new IllegalArgumentException(
            "row " + r + " has " + rows[r].length + " values but row 0 has " + cols);
      }
      for (int c = 0; c < cols; c++) {
        v[r * cols + c] = (float) rows[r][c];
      }
    }
    return new FloatMatrix(v, rows.length, cols);
  }

  /** A batch from a 2-D array read from {@code .npy} (float64 is rounded to float32). */
  public static FloatMatrix of(NpyArray array) {
    if (array.rank() != 2) {
      throw new IllegalArgumentException(
          "expected a 2-D array (rows x columns) but the shape is "
              + Arrays.toString(array.shape()));
    }
    int[] shape = array.shape();
    if (shape[1] == 0) {
      throw new IllegalArgumentException("the array has 0 columns");
    }
    return new FloatMatrix(array.toFloats(), shape[0], shape[1]);
  }

  /** Number of rows (inputs). */
  public int rows() {
    return rows;
  }

  /** Number of columns (logits or feature dimensions per input). */
  public int cols() {
    return cols;
  }

  /** The value at a row and column. */
  public float get(int row, int col) {
    if (row < 0 || row >= rows || col < 0 || col >= cols) {
      throw new IndexOutOfBoundsException(
          "(" + row + ", " + col + ") is outside a " + rows + " x " + cols + " batch");
    }
    return values[row * cols + col];
  }

  /** A copy of one row. */
  public float[] row(int row) {
    get(row, 0);
    return Arrays.copyOfRange(values, row * cols, (row + 1) * cols);
  }

  /**
   * Copies rows {@code [first, first + count)} into {@code dst} as doubles, row-major from index 0:
   * for blocked float64 matrix products without a copy of the whole batch.
   */
  public void copyRows(int first, int count, double[] dst) {
    if (first < 0 || count < 0 || first + count > rows) {
      throw new IndexOutOfBoundsException(
          "rows [" + first + ", " + (first + count) + ") are outside a batch of " + rows);
    }
    int from = first * cols;
    int n = count * cols;
    for (int i = 0; i < n; i++) {
      dst[i] = values[from + i];
    }
  }

  /** A copy of all values, row-major. */
  public float[] toArray() {
    return values.clone();
  }

  /** The backing array, for the score functions of this package; never modified. */
  float[] values() {
    return values;
  }
}
