package org.mos.scorer.kserve;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One output tensor of an inference response.
 *
 * @param name its name
 * @param datatype FP32 ({@code float[]} data), INT64 ({@code long[]}) or FP64 ({@code double[]})
 * @param shape its shape
 * @param data its values, row-major
 */
public record V2Output(String name, V2Datatype datatype, long[] shape, Object data) {

  public V2Output {
    boolean matches =
        switch (datatype) {
          case FP32 -> data instanceof float[];
          case INT64 -> data instanceof long[];
          case FP64 -> data instanceof double[];
          default -> false;
        };
    if (!matches) {
      throw new IllegalArgumentException(
          "output " + name + ": " + datatype + " with " + data.getClass().getSimpleName());
    }
  }

  /** The values in the binary tensor data extension's form: little-endian, row-major. */
  public byte[] littleEndian() {
    ByteBuffer out;
    switch (datatype) {
      case FP32 -> {
        float[] v = (float[]) data;
        out = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(v);
      }
      case INT64 -> {
        long[] v = (long[]) data;
        out = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        out.asLongBuffer().put(v);
      }
      default -> {
        double[] v = (double[]) data;
        out = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        out.asDoubleBuffer().put(v);
      }
    }
    return out.array();
  }

  @Override
  public String toString() {
    return name + " " + datatype + " " + Arrays.toString(shape);
  }
}
