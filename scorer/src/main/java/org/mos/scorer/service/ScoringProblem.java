package org.mos.scorer.service;

/**
 * A request the scorer refuses, with the HTTP status and title of its RFC 7807 problem document
 * (the gRPC layer maps the status to a gRPC code).
 */
public class ScoringProblem extends RuntimeException {

  private final int status;
  private final String title;

  public ScoringProblem(int status, String title, String detail) {
    super(detail);
    this.status = status;
    this.title = title;
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public static ScoringProblem badImage(String detail) {
    return new ScoringProblem(400, "Undecodable image", detail);
  }

  public static ScoringProblem badRequest(String detail) {
    return new ScoringProblem(400, "Bad request", detail);
  }

  public static ScoringProblem unknownModel(String name) {
    return new ScoringProblem(404, "Unknown model", "no model named '" + name + "' is loaded");
  }

  public static ScoringProblem tooLarge(String detail) {
    return new ScoringProblem(413, "Request too large", detail);
  }

  public static ScoringProblem unsupportedMedia(String detail) {
    return new ScoringProblem(415, "Unsupported media type", detail);
  }

  public static ScoringProblem badTensor(String detail) {
    return new ScoringProblem(422, "Bad tensor", detail);
  }

  public static ScoringProblem unavailable(String detail) {
    return new ScoringProblem(503, "Model unavailable", detail);
  }
}
