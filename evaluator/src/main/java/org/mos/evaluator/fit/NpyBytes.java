package org.mos.evaluator.fit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.mos.common.io.Npy;

/** Writes the arrays of fitted statistics as {@code .npy} into a bundle file's stream. */
final class NpyBytes {

  private NpyBytes() {}

  /** A 2-D float64 array (rows of equal length). */
  static void float64(OutputStream out, double[][] rows) throws IOException {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    ByteBuffer b = ByteBuffer.allocate(rows.length * cols * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double[] row : rows) {
      for (double v : row) {
        b.putDouble(v);
      }
    }
    Npy.write(out, "<f8", new int[] {rows.length, cols}, b.array());
  }

  /** A 1-D float64 array. */
  static void float64(OutputStream out, double[] values) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      b.putDouble(v);
    }
    Npy.write(out, "<f8", new int[] {values.length}, b.array());
  }

  /** A 1-D int64 array. */
  static void int64(OutputStream out, int[] values) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putLong(v);
    }
    Npy.write(out, "<i8", new int[] {values.length}, b.array());
  }
}
