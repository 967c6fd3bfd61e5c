package org.mos.common.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional array read from an IDX file (the format of MNIST and Fashion-MNIST), kept as its
 * big-endian payload so that 47 million pixels take 47 MB, not eight times that as doubles.
 * Elements are in C (row-major) order; the first dimension is the sample index.
 */
public final class IdxArray {

  /** The element types of the IDX format, by their type code. */
  public enum DataType {
    UNSIGNED_BYTE(0x08, 1),
    SIGNED_BYTE(0x09, 1),
    SHORT(0x0B, 2),
    INT(0x0C, 4),
    FLOAT(0x0D, 4),
    DOUBLE(0x0E, 8);

    private final int code;
    private final int bytes;

    DataType(int code, int bytes) {
      this.code = code;
      this.bytes = bytes;
    }

    /** The type code in the third byte of the magic number. */
    public int code() {
      return code;
    }

    /** Bytes per element. */
    public int bytes() {
      return bytes;
    }

    /** The type of a code; null when the code is not one of the format's. */
    static DataType ofCode(int code) {
      for (DataType t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  private final DataType type;
  private final int[] shape;
  private final ByteBuffer data;
  private final int size;

  IdxArray(DataType type, int[] shape, byte[] payload) {
    this.type = type;
    this.shape = shape.clone();
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n * type.bytes() != payload.length) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " of "
              + type
              + " needs "
              + n * type.bytes()
              + " bytes but got "
              + payload.length);
    }
    this.size = (int) n;
    this.data = ByteBuffer.wrap(payload).order(ByteOrder.BIG_ENDIAN);
  }

  /** The element type. */
  public DataType type() {
    return type;
  }

  /** A copy of the dimensions. */
  public int[] shape() {
    return shape.clone();
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** The number of elements. */
  public int size() {
    return size;
  }

  /** The number of items along the first dimension (1 for a rank-0 array). */
  public int count() {
    return shape.length == 0 ? 1 : shape[0];
  }

  /** The number of elements in one item (the product of all dimensions but the first). */
  public int itemSize() {
    int n = 1;
    for (int k = 1; k < shape.length; k++) {
      n *= shape[k];
    }
    return n;
  }

  /** The element at flat (row-major) index {@code i}, converted to double without loss. */
  public double doubleAt(int i) {
    int at = Math.multiplyExact(checkIndex(i), type.bytes());
    return switch (type) {
      case UNSIGNED_BYTE -> data.get(at) & 0xFF;
      case SIGNED_BYTE -> data.get(at);
      case SHORT -> data.getShort(at);
      case INT -> data.getInt(at);
      case FLOAT -> data.getFloat(at);
      case DOUBLE -> data.getDouble(at);
    };
  }

  /**
   * The element at flat index {@code i} as an int; fails for floating-point types, where a silent
   * truncation would hide a mistake.
   */
  public int intAt(int i) {
    checkIndex(i);
    if (type == DataType.FLOAT || type == DataType.DOUBLE) {
      throw new IllegalStateException("element type is " + type + ", not an integer type");
    }
    // every integer type's value is exact as a double, so the cast back loses nothing
    return (int) doubleAt(i);
  }

  /** All elements as ints (integer types only), e.g. the labels of an {@code idx1} file. */
  public int[] toInts() {
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = intAt(i);
    }
    return out;
  }

  /**
   * The unsigned bytes of item {@code index} along the first dimension (for example one 28x28
   * image), a copy; only for {@link DataType#UNSIGNED_BYTE} arrays.
   */
  public byte[] itemBytes(int index) {
    if (type != DataType.UNSIGNED_BYTE) {
      throw new IllegalStateException("element type is " + type + ", not UNSIGNED_BYTE");
    }
    if (index < 0 || index >= count()) {
      throw new IndexOutOfBoundsException("item " + index + " of " + count());
    }
    int per = itemSize();
    byte[] out = new byte[per];
    data.get(index * per, out);
    return out;
  }

  private int checkIndex(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("element " + i + " of " + size);
    }
    return i;
  }
}
