package org.mos.scorer.service;

import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * A request the scorer refuses, with the HTTP status and title of its RFC 7807 problem document
 * (the gRPC layer maps the status to a gRPC code). The detail never carries Java class names:
 * {@link #clean} strips them from messages that come from libraries.
 */
public class ScoringProblem extends RuntimeException {

  private static final Logger LOG = Logger.getLogger(ScoringProblem.class);

  // "java.io.EOFException: x" / "IIOException: x" / "org.foo.Bar" -> the words only; a package
  // has at least two parts here, so that option names like "odin.T" stay as they are
  private static final Pattern QUALIFIED =
      Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.){2,}([A-Z][A-Za-z0-9_$]*)");
  private static final Pattern THROWABLE =
      Pattern.compile("\\b[A-Z][A-Za-z0-9_$]*(?:Exception|Error)\\b:?\\s*");
  private static final int MAX_ECHO = 100;

  private final int status;
  private final String title;
  private final long retryAfterSeconds;

  public ScoringProblem(int status, String title, String detail) {
    this(status, title, detail, 0);
  }

  private ScoringProblem(int status, String title, String detail, long retryAfterSeconds) {
    super(clean(detail), null, false, false);
    this.status = status;
    this.title = title;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  /** Seconds a client should wait before retrying (the {@code Retry-After} header); 0 = none. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** Whether this is a refusal for lack of capacity (gRPC {@code RESOURCE_EXHAUSTED}). */
  public boolean busy() {
    return retryAfterSeconds > 0;
  }

  /**
   * {@code text} without Java class names (qualified names become their last part, exception and
   * error type names are dropped) and with control characters as '?'; null becomes "no detail".
   */
  public static String clean(String text) {
    if (text == null || text.isBlank()) {
      return "no detail";
    }
    String simple = QUALIFIED.matcher(text).replaceAll("$1");
    String cleaned = THROWABLE.matcher(simple).replaceAll("").strip().replaceAll("\\p{Cntrl}", "?");
    return cleaned.isEmpty() ? "no detail" : cleaned;
  }

  /** A client-supplied value quoted in an error: at most 100 characters, no control characters. */
  public static String echo(String value) {
    if (value == null) {
      return "null";
    }
    String shown = value.length() > MAX_ECHO ? value.substring(0, MAX_ECHO) + "..." : value;
    return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
  }

  public static ScoringProblem badImage(String detail) {
    return new ScoringProblem(400, "Undecodable image", detail);
  }

  public static ScoringProblem badRequest(String detail) {
    return new ScoringProblem(400, "Bad request", detail);
  }

  public static ScoringProblem unknownModel(String name) {
    return new ScoringProblem(404, "Unknown model", "no model named " + echo(name) + " is loaded");
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

  /**
   * 500 for a failure nobody foresaw: logs {@code cause} with its stack trace under a fresh error
   * id, and answers only that id (never the cause's class or message).
   */
  public static ScoringProblem internal(Throwable cause, String during) {
    String id = UUID.randomUUID().toString();
    LOG.errorf(cause, "error id %s: unexpected failure %s", id, during);
    return new ScoringProblem(
        500,
        "Internal error",
        "the scorer failed unexpectedly; error id " + id + " (the scorer's log has the details)");
  }

  /** 503: the service is at its limit of work in flight; retry after the given seconds. */
  public static ScoringProblem busy(String detail, long retryAfterSeconds) {
    return new ScoringProblem(503, "Server busy", detail, Math.max(1, retryAfterSeconds));
  }
}
