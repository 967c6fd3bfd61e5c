package org.mos.evaluator.transport;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.mos.contract.RequestId;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * Hands the replies on the in-memory reply channel to the run that sent the request (by the run id
 * in the request id); replies of runs that have ended are dropped.
 */
@ApplicationScoped
public class InMemoryReplies {

  private final Map<String, Consumer<ScoreResponse>> runs = new ConcurrentHashMap<>();

  void register(String runId, Consumer<ScoreResponse> run) {
    runs.put(runId, run);
  }

  void unregister(String runId) {
    runs.remove(runId);
  }

  @Incoming(InMemoryScoringProcessor.REPLIES)
  public void onReply(ScoreResponse reply) {
    String run = RequestId.runOf(reply.getRequestId());
    Consumer<ScoreResponse> target = run == null ? null : runs.get(run);
    if (target != null) {
      target.accept(reply);
    }
  }
}
