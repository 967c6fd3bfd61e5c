package org.mos.trainer.service;

/** A path of a job lies outside the configured job roots (400 with a problem body). */
public class PathOutsideRootsException extends RuntimeException {
  public PathOutsideRootsException(String message) {
    super(message);
  }
}
