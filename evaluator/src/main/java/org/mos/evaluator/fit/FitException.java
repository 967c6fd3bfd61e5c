package org.mos.evaluator.fit;

/**
 * A failure of {@code mos fit} with the exit code it maps to: 2 for usage errors (bad options,
 * missing layers, datasets without labels), 1 for failures while fitting (an unreadable image under
 * {@code --on-bad-image fail}, I/O).
 */
final class FitException extends RuntimeException {

  private final int exitCode;

  private FitException(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  static FitException usage(String message) {
    return new FitException(message, 2, null);
  }

  static FitException failed(String message, Throwable cause) {
    return new FitException(message, 1, cause);
  }

  int exitCode() {
    return exitCode;
  }
}
