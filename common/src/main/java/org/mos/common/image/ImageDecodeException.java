package org.mos.common.image;

/**
 * An image could not be decoded. The message always names the source (a path or the name given with
 * the bytes) and the reason, e.g. {@code "val/n01/x.JPEG: truncated JPEG data"}.
 */
public final class ImageDecodeException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String source;
  private final String reason;

  public ImageDecodeException(String source, String reason) {
    this(source, reason, null);
  }

  public ImageDecodeException(String source, String reason, Throwable cause) {
    super(source + ": " + reason, cause);
    this.source = source;
    this.reason = reason;
  }

  /** The path or name of the unreadable input. */
  public String source() {
    return source;
  }

  /** Why it could not be read, without the source. */
  public String reason() {
    return reason;
  }
}
