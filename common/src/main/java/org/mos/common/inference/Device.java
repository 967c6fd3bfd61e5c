package org.mos.common.inference;

import java.util.Locale;

/**
 * Where ONNX Runtime runs a model: the CPU, or an NVIDIA GPU through the CUDA execution provider.
 */
public enum Device {
  CPU,
  CUDA;

  /**
   * The device named {@code name} ({@code cpu} or {@code cuda}, case-insensitive).
   *
   * @throws IllegalArgumentException naming the value and the known ones
   */
  public static Device parse(String name) {
    String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    return switch (wanted) {
      case "cpu" -> CPU;
      case "cuda", "gpu" -> CUDA;
      default ->
          throw new IllegalArgumentException("unknown device '" + name + "'; expected cpu or cuda");
    };
  }

  /** The lower-case name used in configuration and responses. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
