package org.mos.common.inference;

/** ONNX Runtime failed to run a batch, or the model emitted something unusable. */
public class InferenceException extends RuntimeException {
  public InferenceException(String message, Throwable cause) {
    super(cause == null ? message : message + ": " + cause.getMessage(), cause);
  }
}
