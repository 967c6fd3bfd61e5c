package org.mos.common.onnx;

/**
 * An ONNX graph the suite cannot use as it is: its message says what was found and, where one
 * exists, which option resolves it.
 */
public class OnnxGraphException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public OnnxGraphException(String message) {
    super(message);
  }

  public OnnxGraphException(String message, Throwable cause) {
    super(message, cause);
  }
}
