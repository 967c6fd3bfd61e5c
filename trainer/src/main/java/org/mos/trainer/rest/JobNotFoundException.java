package org.mos.trainer.rest;

/** No job has the id asked for (404). */
public class JobNotFoundException extends RuntimeException {
  public JobNotFoundException(String id) {
    super("no job " + id);
  }
}
