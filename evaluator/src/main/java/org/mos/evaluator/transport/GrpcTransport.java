package org.mos.evaluator.transport;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Multi;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.mos.common.auth.BearerTokens;
import org.mos.common.score.OdinSettings;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ImageResult;
import org.mos.scorer.grpc.v1.ListModelsRequest;
import org.mos.scorer.grpc.v1.ModelInfo;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;
import org.mos.scorer.grpc.v1.ScorerGrpc;

/**
 * Scores over a running scorer's gRPC {@code ScoreStream} ({@code scorer.proto}): one stream per
 * run, images sent as their encoded file bytes in requests of up to {@link Settings#batchSize}
 * images, at most {@link Settings#maxInFlightRequests} requests unanswered (the back-pressure). A
 * request the scorer refuses because one of its images cannot be decoded is scored again image by
 * image with the unary {@code Score} call, so only the bad image fails.
 */
public final class GrpcTransport implements ScoringTransport {

  /** Requests stop growing past this many image bytes, well under gRPC's 4 MiB message limit. */
  static final int MAX_REQUEST_BYTES = 2 * 1024 * 1024;

  /**
   * How to reach the scorer and how much to keep in flight.
   *
   * @param address where the scorer's gRPC server listens ({@code --scorer})
   * @param model the model name on that scorer ({@code --model})
   * @param batchSize most images in one request (the scorer's default limit is 64)
   * @param maxInFlightRequests most requests sent and not yet answered
   * @param connectTimeout how long {@code ListModels} may take before the scorer is unreachable
   * @param token the bearer token sent with every call ({@code --token-file}), or null for a scorer
   *     without authentication
   */
  public record Settings(
      ScorerAddress address,
      String model,
      int batchSize,
      int maxInFlightRequests,
      Duration connectTimeout,
      String token) {

    public Settings {
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("the gRPC transport needs a model name (--model)");
      }
      if (batchSize < 1 || maxInFlightRequests < 1) {
        throw new IllegalArgumentException(
            "batch size "
                + batchSize
                + " and in-flight requests "
                + maxInFlightRequests
                + " must both be 1 or more");
      }
    }

    /** 16 images a request, 4 requests in flight, 10 s to connect. */
    public static Settings of(String scorer, String model) {
      return new Settings(ScorerAddress.parse(scorer), model, 16, 4, Duration.ofSeconds(10), null);
    }

    public Settings withWindow(int batchSize, int maxInFlightRequests) {
      return new Settings(address, model, batchSize, maxInFlightRequests, connectTimeout, token);
    }

    /** Sends {@code authorization: Bearer TOKEN} with every call (null: no token). */
    public Settings withToken(String token) {
      return new Settings(address, model, batchSize, maxInFlightRequests, connectTimeout, token);
    }
  }

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Settings settings;
  private final ManagedChannel channel;
  private final List<String> methods;
  private final String checksum;

  private GrpcTransport(Settings settings, ManagedChannel channel, ModelInfo model) {
    this.settings = settings;
    this.channel = channel;
    this.methods = List.copyOf(model.getMethodsList());
    this.checksum = model.getChecksum();
  }

  private static String hint(Status.Code code, boolean tokenSent) {
    if (code != Status.Code.UNAUTHENTICATED) {
      return "); is it running? Start one with ./mos serve scorer --models DIR";
    }
    return tokenSent
        ? "); the scorer refused the token of --token-file: give one of its tokens"
        : "); the scorer needs a bearer token: give --token-file FILE";
  }

  /**
   * Connects to the scorer and looks the model up with {@code ListModels}.
   *
   * @throws TransportException when the scorer does not answer or does not serve the model
   */
  public static GrpcTransport connect(Settings settings) {
    ManagedChannelBuilder<?> builder =
        ManagedChannelBuilder.forAddress(settings.address().host(), settings.address().port())
            .usePlaintext();
    if (settings.token() != null) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, BearerTokens.authorization(settings.token()));
      builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    ManagedChannel channel = builder.build();
    try {
      List<ModelInfo> models =
          ScorerGrpc.newBlockingStub(channel)
              .withDeadlineAfter(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
              .listModels(ListModelsRequest.getDefaultInstance())
              .getModelsList();
      for (ModelInfo m : models) {
        if (m.getName().equals(settings.model())) {
          return new GrpcTransport(settings, channel, m);
        }
      }
      throw new TransportException(
          "the scorer at "
              + settings.address()
              + " serves no model '"
              + settings.model()
              + "'; it serves "
              + models.stream().map(ModelInfo::getName).toList());
    } catch (StatusRuntimeException e) {
      channel.shutdownNow();
      throw new TransportException(
          "cannot reach the scorer at "
              + settings.address()
              + " (gRPC "
              + e.getStatus().getCode()
              + (e.getStatus().getDescription() == null
                  ? ""
                  : ": " + e.getStatus().getDescription())
              + hint(e.getStatus().getCode(), settings.token() != null),
          e);
    } catch (RuntimeException e) {
      channel.shutdownNow();
      throw e;
    }
  }

  @Override
  public String name() {
    return "grpc";
  }

  @Override
  public List<String> methods() {
    return methods;
  }

  @Override
  public String modelChecksum() {
    return checksum;
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
      if (!org.mos.common.score.MethodId.parse(m).supportedAmong(methods)) {
        throw new IllegalArgumentException(
            "model '" + settings.model() + "' has no method '" + m + "'; it has " + methods);
      }
    }
    return Multi.createFrom()
        .deferred(() -> new StreamRun(List.copyOf(wanted), odin, include).results(tasks));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One task and its encoded bytes, kept until its result arrives (for the one-by-one retry). */
  private record Sent(ImageTask task, ByteString bytes) {}

  /** One {@code ScoreStream} call: tasks grouped into requests, responses matched by request id. */
  private final class StreamRun extends WindowedRun {

    private final List<String> wanted;
    private final OdinSettings odin;
    private final Set<String> include;
    private final Map<String, List<Sent>> unanswered = new HashMap<>();
    private List<Sent> pending = new ArrayList<>();
    private int pendingBytes;
    private long nextRequest;
    private StreamObserver<ScoreRequest> requests;

    StreamRun(List<String> wanted, OdinSettings odin, Set<String> include) {
      super(settings.batchSize() * settings.maxInFlightRequests());
      this.wanted = wanted;
      this.odin = odin;
      this.include = new TreeSet<>(include);
    }

    @Override
    protected void send(ImageTask task) throws Exception {
      ByteString bytes = ByteString.copyFrom(Files.readAllBytes(task.path()));
      synchronized (this) {
        if (!pending.isEmpty() && pendingBytes + bytes.size() > MAX_REQUEST_BYTES) {
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
      ScoreRequest.Builder b =
          ScoreRequest.newBuilder()
              .setRequestId(id)
              .setModel(settings.model())
              .addAllMethods(wanted)
              .addAllInclude(include);
      return odin == null ? b : ScoreMessages.withOdin(b, odin);
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
        complete(batch.get(i).task().seq(), t -> scored(t, img));
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
                  complete(s.task().seq(), t -> scored(t, r.getImages(0)));
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

  private static ScoredImage scored(ImageTask task, ImageResult img) {
    Map<String, Double> scores = new LinkedHashMap<>(img.getScoresMap());
    return ScoredImage.of(task, img.getPredictedClass(), scores, ScoreMessages.outputs(img));
  }
}
