package org.mos.common.bundle;

import java.io.IOException;

/** A bundle that cannot be read or written; the message names the bundle file at fault. */
public class BundleException extends IOException {
  public BundleException(String message) {
    super(message);
  }

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
