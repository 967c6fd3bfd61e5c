package org.mos.contract;

/**
 * The {@code request_id} of a {@code ScoreRequest} sent over messaging (Kafka or the evaluator's
 * in-memory channels): {@code "<run id>/<seq>"}, one image per request. The scorer keys its Kafka
 * reply by the run id, so all replies of one run land in order on one partition; the evaluator
 * matches a reply to its run and image by both parts.
 */
public final class RequestId {

  private RequestId() {}

  /**
   * The request id of image {@code seq} of run {@code runId}.
   *
   * @throws IllegalArgumentException when the run id contains {@code /}, which would make the id
   *     ambiguous
   */
  public static String of(String runId, long seq) {
    if (runId.indexOf('/') >= 0) {
      throw new IllegalArgumentException("run id '" + runId + "' must not contain '/'");
    }
    return runId + "/" + seq;
  }

  /** The run id of a request id (before its last {@code /}), or null when it has none. */
  public static String runOf(String requestId) {
    int slash = requestId.lastIndexOf('/');
    return slash <= 0 ? null : requestId.substring(0, slash);
  }

  /** The seq of a request id (after its last {@code /}), or -1 when it is not a number. */
  public static long seqOf(String requestId) {
    int slash = requestId.lastIndexOf('/');
    if (slash <= 0) {
      return -1;
    }
    try {
      return Long.parseLong(requestId.substring(slash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
