package org.mos.evaluator.transport;

/**
 * The transport itself cannot work: the scorer is unreachable, the model is unknown there, or the
 * connection broke mid-run. Its message says which scorer and what to check.
 */
public class TransportException extends RuntimeException {

  public TransportException(String message) {
    super(message);
  }

  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }
}
