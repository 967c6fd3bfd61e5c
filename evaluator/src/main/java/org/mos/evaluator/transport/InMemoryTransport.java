package org.mos.evaluator.transport;

import io.smallrye.mutiny.Multi;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.mos.common.score.OdinSettings;
import org.mos.contract.RequestId;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * Scores over the in-memory messaging channels: each image is one {@code ScoreRequest} sent on
 * {@value InMemoryScoringProcessor#REQUESTS}; the {@link InMemoryScoringProcessor} scores it in
 * this process and replies on {@value InMemoryScoringProcessor#REPLIES}. Made by {@link
 * MessagingTransports#inMemory}.
 */
final class InMemoryTransport implements ScoringTransport {

  private final String key;
  private final BundleImageScorer model;
  private final Emitter<ScoreRequest> requests;
  private final InMemoryScoringProcessor processor;
  private final InMemoryReplies replies;
  private final int window;
  private final AtomicLong runs = new AtomicLong();

  InMemoryTransport(
      String key,
      BundleImageScorer model,
      Emitter<ScoreRequest> requests,
      InMemoryScoringProcessor processor,
      InMemoryReplies replies,
      int window) {
    this.key = key;
    this.model = model;
    this.requests = requests;
    this.processor = processor;
    this.replies = replies;
    this.window = window;
    processor.register(key, model);
  }

  @Override
  public String name() {
    return "messaging";
  }

  @Override
  public List<String> methods() {
    return model.methods();
  }

  @Override
  public String modelChecksum() {
    return model.checksum();
  }

  @Override
  public Multi<ScoredImage> score(Multi<ImageTask> tasks, List<String> wanted, OdinSettings odin) {
    return score(tasks, wanted, odin, Set.of());
  }

  @Override
  public Multi<ScoredImage> score(
      Multi<ImageTask> tasks, List<String> wanted, OdinSettings odin, Set<String> include) {
    ScoringTransport.checkInclude(include);
    for (String m : wanted) {
      if (!org.mos.common.score.MethodId.parse(m).supportedAmong(methods())) {
        throw new IllegalArgumentException(
            "the model has no method '" + m + "'; it has " + methods());
      }
    }
    List<String> methods = List.copyOf(wanted);
    return Multi.createFrom()
        .deferred(
            () ->
                new Run(key + "-" + runs.incrementAndGet(), methods, odin, Set.copyOf(include))
                    .results(tasks));
  }

  @Override
  public void close() {
    processor.unregister(key);
    model.close();
  }

  private final class Run extends WindowedRun {
    private final String runId;
    private final List<String> methods;
    private final OdinSettings odin;
    private final Set<String> include;

    Run(String runId, List<String> methods, OdinSettings odin, Set<String> include) {
      super(window);
      this.runId = runId;
      this.methods = methods;
      this.odin = odin;
      this.include = include;
      replies.register(runId, this::onReply);
    }

    @Override
    protected void send(ImageTask task) throws Exception {
      byte[] bytes = Files.readAllBytes(task.path());
      requests
          .send(ScoreMessages.request(runId, task.seq(), key, bytes, methods, odin, include))
          .exceptionally(
              e -> {
                complete(task.seq(), t -> ScoredImage.failed(t, "the request was refused: " + e));
                return null;
              });
    }

    private void onReply(ScoreResponse reply) {
      long seq = RequestId.seqOf(reply.getRequestId());
      complete(seq, t -> ScoreMessages.result(t, reply));
    }

    @Override
    protected void ended() {
      replies.unregister(runId);
    }
  }
}
