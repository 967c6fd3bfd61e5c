package org.mos.trainer.imports;

import java.nio.ByteBuffer;

/** The element types of PyTorch storages that can become float32 weights. */
enum TorchDtype {
  FLOAT("FloatStorage", 4),
  DOUBLE("DoubleStorage", 8),
  HALF("HalfStorage", 2),
  BFLOAT16("BFloat16Storage", 2),
  /** Any other storage (integers, booleans): readable in the pickle, not convertible to weights. */
  OTHER(null, 0);

  private final String storageName;
  private final int bytes;

  TorchDtype(String storageName, int bytes) {
    this.storageName = storageName;
    this.bytes = bytes;
  }

  String storageName() {
    return storageName;
  }

  int bytes() {
    return bytes;
  }

  static TorchDtype ofStorage(String name) {
    for (TorchDtype t : values()) {
      if (name.equals(t.storageName)) {
        return t;
      }
    }
    return OTHER;
  }

  /** Element {@code index} of {@code storage} as a float. */
  float read(ByteBuffer storage, long index) {
    int at = Math.toIntExact(index * bytes);
    return switch (this) {
      case FLOAT -> storage.getFloat(at);
      case DOUBLE -> (float) storage.getDouble(at);
      case HALF -> halfToFloat(storage.getShort(at));
      case BFLOAT16 -> Float.intBitsToFloat((storage.getShort(at) & 0xFFFF) << 16);
      case OTHER -> throw new IllegalStateException("not a floating-point storage");
    };
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short half) {
    int h = half & 0xFFFF;
    int sign = (h >>> 15) << 31;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float magnitude = mantissa * 0x1p-24f; // subnormal (or zero): exact in float
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
}
