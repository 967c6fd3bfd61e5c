package org.mos.evaluator.transport;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.mos.common.auth.BearerTokens;
import org.mos.common.score.OdinSettings;
import org.mos.scorer.grpc.v1.ListModelsRequest;
import org.mos.scorer.grpc.v1.ModelInfo;
import org.mos.scorer.grpc.v1.ScorerGrpc;

/**
 * Scores over a running scorer's gRPC {@code ScoreStream} ({@code scorer.proto}): one stream per
 * run, images sent as their encoded file bytes in requests of up to {@link Settings#batchSize}
 * images, at most {@link Settings#maxInFlightRequests} requests unanswered (the back-pressure). A
 * request the scorer refuses because one of its images cannot be decoded is scored again image by
 * image with the unary {@code Score} call, so only the bad image fails.
 *
 * <p>This class connects and checks requests; {@link GrpcStreamRun} runs one stream.
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
        .deferred(
            () ->
                new GrpcStreamRun(settings, channel, List.copyOf(wanted), odin, include)
                    .results(tasks));
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
}
