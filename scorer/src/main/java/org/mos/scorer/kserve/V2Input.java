package org.mos.scorer.kserve;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mos.scorer.service.ScoringProblem;

/**
 * One input tensor of an inference request with its data decoded, whichever transport brought it:
 * float datatypes as floats (row-major), BYTES as one byte string per element.
 *
 * @param name the tensor's name
 * @param datatype its datatype (a float type or BYTES)
 * @param shape its shape, checked: non-negative entries whose product is within the budget
 * @param numbers the values of a float tensor, else null
 * @param bytes the elements of a BYTES tensor, else null
 */
public record V2Input(
    String name, V2Datatype datatype, long[] shape, float[] numbers, List<byte[]> bytes) {

  /** The configuration key of the element budget, named in refusals. */
  public static final String MAX_TENSOR_ELEMENTS_KEY = "scorer.limits.max-tensor-elements";

  /** How many images the tensor holds: its first dimension. */
  public int batch() {
    return (int) shape[0];
  }

  /**
   * The element count of a declared shape, checked before anything is allocated for the data.
   *
   * @throws ScoringProblem 400 on a negative entry, 413 when the product exceeds {@code budget}
   */
  public static long elementCount(String name, long[] shape, long budget) {
    long n = 1;
    boolean over = false;
    for (long d : shape) {
      if (d < 0) {
        throw ScoringProblem.badRequest(
            "input '"
                + name
                + "' has shape "
                + Arrays.toString(shape)
                + "; shape entries must be non-negative integers");
      }
      if (!over && d != 0 && n > Long.MAX_VALUE / d) {
        over = true;
      }
      n = over ? n : n * d;
    }
    boolean empty = Arrays.stream(shape).anyMatch(d -> d == 0);
    if (!empty && (over || n > budget)) {
      throw ScoringProblem.tooLarge(
          "input '"
              + name
              + "' declares shape "
              + Arrays.toString(shape)
              + (over ? " (over 2^63 elements)" : " = " + n + " elements")
              + "; at most "
              + budget
              + " are allowed ("
              + MAX_TENSOR_ELEMENTS_KEY
              + ")");
    }
    return empty ? 0 : n;
  }

  /**
   * Refuses datatypes the scorer cannot take: only float tensors (preprocessed images) and BYTES
   * (encoded images) are inputs.
   */
  public static void checkSupported(String name, V2Datatype datatype) {
    if (!datatype.isFloat() && datatype != V2Datatype.BYTES) {
      throw ScoringProblem.badRequest(
          "input '"
              + name
              + "' has datatype "
              + datatype
              + ", which the scorer does not take: send FP32 (or FP16, FP64) [N, 3, size, size]"
              + " preprocessed images, or BYTES [N] encoded images (JPEG, PNG)");
    }
  }

  /**
   * The values of a float tensor in binary form (little-endian, row-major).
   *
   * @throws ScoringProblem 400 when the byte count is not {@code elements} times the element size
   */
  public static float[] floatsFromBinary(
      String name, V2Datatype datatype, long elements, ByteBuffer data) {
    long expected = elements * datatype.bytes();
    if (data.remaining() != expected) {
      throw ScoringProblem.badRequest(
          "input '"
              + name
              + "' has "
              + data.remaining()
              + " bytes of binary data but its shape and datatype "
              + datatype
              + " need "
              + expected);
    }
    ByteBuffer le = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[(int) elements];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (datatype) {
            case FP16 -> halfToFloat(le.getShort());
            case FP32 -> le.getFloat();
            case FP64 -> (float) le.getDouble();
            default -> throw new IllegalArgumentException("not a float type: " + datatype);
          };
    }
    return out;
  }

  /**
   * The elements of a BYTES tensor in binary form: each a 4-byte little-endian length and that many
   * bytes.
   *
   * @throws ScoringProblem 400 when the lengths do not fill the data exactly with {@code elements}
   *     elements
   */
  public static List<byte[]> bytesFromBinary(String name, long elements, ByteBuffer data) {
    ByteBuffer le = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> out = new ArrayList<>();
    while (le.hasRemaining()) {
      if (le.remaining() < 4 || out.size() >= elements) {
        throw ScoringProblem.badRequest(
            "input '"
                + name
                + "' has "
                + le.remaining()
                + " bytes of BYTES data left after "
                + out.size()
                + " elements; its shape declares "
                + elements
                + " (each element is a 4-byte little-endian length and that many bytes)");
      }
      long length = Integer.toUnsignedLong(le.getInt());
      if (length > le.remaining()) {
        throw ScoringProblem.badRequest(
            "element "
                + out.size()
                + " of input '"
                + name
                + "' declares "
                + length
                + " bytes but only "
                + le.remaining()
                + " remain");
      }
      byte[] element = new byte[(int) length];
      le.get(element);
      out.add(element);
    }
    if (out.size() != elements) {
      throw ScoringProblem.badRequest(
          "input '"
              + name
              + "' has "
              + out.size()
              + " BYTES elements but its shape declares "
              + elements);
    }
    return out;
  }

  /** An IEEE 754 half-precision value as a float (Float.float16ToFloat is Java 20). */
  static float halfToFloat(short bits) {
    int sign = (bits >>> 15) & 1;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    float magnitude;
    if (exponent == 0) {
      magnitude = mantissa * 0x1p-24f; // subnormal
    } else if (exponent == 31) {
      magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      magnitude = (1 + mantissa / 1024f) * (float) Math.scalb(1.0, exponent - 15);
    }
    return sign == 1 ? -magnitude : magnitude;
  }
}
