package org.mos.common.data;

/**
 * A dataset could not be read: a missing or empty root, a folder without classes, a malformed list
 * or IDX file. The message names the path (and line, where there is one) and what was expected.
 */
public class DatasetException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
