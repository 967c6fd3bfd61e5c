package org.mos.evaluator.transport;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.mos.common.score.OdinSettings;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ImageResult;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;
import org.mos.scorer.grpc.v1.ScorerGrpc;

/**
 * One {@code ScoreStream} call of {@link GrpcTransport}: tasks grouped into requests of up to the
 * batch size and {@link GrpcTransport#MAX_REQUEST_BYTES}, responses matched by request id, and the
 * images of a refused request scored again one by one with the unary {@code Score} call.
 */
final class GrpcStreamRun extends WindowedRun {

  /** One task and its encoded bytes, kept until its result arrives (for the one-by-one retry). */
  private record Sent(ImageTask task, ByteString bytes) {}

  private final GrpcTransport.Settings settings;
  private final ManagedChannel channel;
  private final List<String> wanted;
  private final OdinSettings odin;
  private final Set<String> include;
  private final Map<String, List<Sent>> unanswered = new HashMap<>();
  private List<Sent> pending = new ArrayList<>();
  private int pendingBytes;
  private long nextRequest;
  private StreamObserver<ScoreRequest> requests;

  GrpcStreamRun(
      GrpcTransport.Settings settings,
      ManagedChannel channel,
      List<String> wanted,
      OdinSettings odin,
      Set<String> include) {
    super(settings.batchSize() * settings.maxInFlightRequests());
    this.settings = settings;
    this.channel = channel;
    this.wanted = wanted;
    this.odin = odin;
    this.include = new TreeSet<>(include);
  }

  @Override
  protected void send(ImageTask task) throws Exception {
    ByteString bytes = ByteString.copyFrom(Files.readAllBytes(task.path()));
    synchronized (this) {
      if (!pending.isEmpty() && pendingBytes + bytes.size() > GrpcTransport.MAX_REQUEST_BYTES) {
        sendPending();
      }
      pending.add(new Sent(task, bytes));
      pendingBytes += bytes.size();
      if (pending.size() >= settings.batchSize()) {
        sendPending();
      }
    }
  }

  @Override
  protected synchronized void flush() {
    if (!pending.isEmpty()) {
      sendPending();
    }
  }

  @Override
  protected synchronized void ended() {
    if (requests != null) {
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // the call is already closed (the scorer broke it); nothing is left to end
      }
    }
  }

  private void sendPending() {
    if (requests == null) {
      requests = ScorerGrpc.newStub(channel).scoreStream(new Responses());
    }
    String id = "r" + nextRequest++;
    ScoreRequest.Builder b = request(id);
    for (Sent s : pending) {
      b.addImages(Image.newBuilder().setEncoded(s.bytes()));
    }
    unanswered.put(id, pending);
    pending = new ArrayList<>();
    pendingBytes = 0;
    requests.onNext(b.build());
  }

  private ScoreRequest.Builder request(String id) {
    return ScoreMessages.requestBuilder(id, settings.model(), wanted, odin, include);
  }

  private synchronized List<Sent> answered(String id) {
    return unanswered.remove(id);
  }

  private void onResponse(ScoreResponse r) {
    List<Sent> batch = answered(r.getRequestId());
    if (batch == null) {
      return;
    }
    if (r.hasError()) {
      onError(batch, r.getError());
      return;
    }
    if (r.getImagesCount() != batch.size()) {
      fail(
          new TransportException(
              "the scorer at "
                  + settings.address()
                  + " answered request "
                  + r.getRequestId()
                  + " of "
                  + batch.size()
                  + " images with "
                  + r.getImagesCount()
                  + " results"));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      ImageResult img = r.getImages(i);
      complete(batch.get(i).task().seq(), t -> ScoreMessages.scored(t, img));
    }
  }

  private void onError(List<Sent> batch, org.mos.scorer.grpc.v1.Error error) {
    String why = error.getTitle() + ": " + error.getDetail();
    if (error.getStatus() == 404 || error.getStatus() == 503 || error.getStatus() >= 500) {
      fail(
          new TransportException(
              "the scorer at " + settings.address() + " stopped scoring (" + why + ")"));
    } else if (batch.size() == 1) {
      complete(batch.get(0).task().seq(), t -> ScoredImage.failed(t, why));
    } else {
      batch.forEach(this::scoreAlone);
    }
  }

  /** Scores one image with the unary call, to tell the bad image of a refused request. */
  private void scoreAlone(Sent s) {
    ScoreRequest one =
        request("single-" + s.task().seq())
            .addImages(Image.newBuilder().setEncoded(s.bytes()))
            .build();
    ScorerGrpc.newStub(channel)
        .score(
            one,
            new StreamObserver<>() {
              @Override
              public void onNext(ScoreResponse r) {
                complete(s.task().seq(), t -> ScoreMessages.scored(t, r.getImages(0)));
              }

              @Override
              public void onError(Throwable e) {
                Status status = Status.fromThrowable(e);
                switch (status.getCode()) {
                  case INVALID_ARGUMENT, RESOURCE_EXHAUSTED ->
                      complete(
                          s.task().seq(),
                          t -> ScoredImage.failed(t, String.valueOf(status.getDescription())));
                  default -> fail(broken(e));
                }
              }

              @Override
              public void onCompleted() {}
            });
  }

  private TransportException broken(Throwable e) {
    Status status = Status.fromThrowable(e);
    return new TransportException(
        "the gRPC stream to the scorer at "
            + settings.address()
            + " broke ("
            + status.getCode()
            + (status.getDescription() == null ? "" : ": " + status.getDescription())
            + ")",
        e);
  }

  private final class Responses implements StreamObserver<ScoreResponse> {
    @Override
    public void onNext(ScoreResponse r) {
      onResponse(r);
    }

    @Override
    public void onError(Throwable e) {
      fail(broken(e));
    }

    @Override
    public void onCompleted() {
      if (!isFinished() && inFlightCount() > 0) {
        fail(
            new TransportException(
                "the scorer at "
                    + settings.address()
                    + " ended the stream with "
                    + inFlightCount()
                    + " images unanswered"));
      }
    }
  }
}
