package org.mos.scorer.kserve;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.mos.scorer.service.ScoringProblem;

/** The tensor datatypes of the Open Inference Protocol, with their size in binary form. */
public enum V2Datatype {
  BOOL(1),
  UINT8(1),
  UINT16(2),
  UINT32(4),
  UINT64(8),
  INT8(1),
  INT16(2),
  INT32(4),
  INT64(8),
  FP16(2),
  FP32(4),
  FP64(8),
  /** Byte strings; in binary form each is a 4-byte little-endian length and the bytes. */
  BYTES(-1);

  private final int bytes;

  V2Datatype(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element in binary form; -1 for BYTES (variable). */
  public int bytes() {
    return bytes;
  }

  /** Whether the scorer reads this datatype as a preprocessed image tensor. */
  public boolean isFloat() {
    return this == FP16 || this == FP32 || this == FP64;
  }

  /**
   * The datatype named {@code name} (case-sensitive, as the protocol's strings are).
   *
   * @throws ScoringProblem 400 naming the value and the protocol's datatypes
   */
  public static V2Datatype parse(String name, String input) {
    for (V2Datatype t : values()) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw ScoringProblem.badRequest(
        "input '"
            + input
            + "' has datatype '"
            + name
            + "'; the protocol's datatypes are "
            + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
  }
}
