package org.mos.scorer.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;
import org.mos.contract.KafkaContract;
import org.mos.contract.RequestId;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.grpc.ScorerGrpcService;
import org.mos.scorer.grpc.v1.Error;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;
import org.mos.scorer.service.ImageInput;
import org.mos.scorer.service.LoadedModel;
import org.mos.scorer.service.ModelRegistry;
import org.mos.scorer.service.ScoringProblem;
import org.mos.scorer.service.ScoringService;

/**
 * Scores requests from Kafka (when {@code scorer.kafka.enabled}): consumes the protobuf {@code
 * ScoreRequest} bytes of {@code scorer.proto} from the {@value #REQUESTS} channel, scores them with
 * the same {@link ScoringService} as REST and gRPC, and replies with the protobuf {@code
 * ScoreResponse} on {@value #REPLIES}, keyed by the run id ({@link RequestId#runOf}), with the
 * bundle's checksum in the header {@value KafkaContract#CHECKSUM_HEADER}. Nothing is ever nacked:
 * an undecodable image or a payload that is not a request gets an error reply (the latter with an
 * empty request id) and the partition moves on. Requests are scored concurrently on worker threads,
 * where the micro-batcher coalesces them.
 */
@ApplicationScoped
public class KafkaScoringProcessor {

  /** The request channel (Kafka topic {@code scorer.kafka.request-topic}). */
  public static final String REQUESTS = "score-requests";

  /** The reply channel (Kafka topic {@code scorer.kafka.reply-topic}). */
  public static final String REPLIES = "score-replies";

  private static final Logger LOG = Logger.getLogger(KafkaScoringProcessor.class);

  private final ScoringService service;
  private final ModelRegistry registry;
  private final boolean serverTiming;

  public KafkaScoringProcessor(
      ScoringService service,
      ModelRegistry registry,
      KafkaScoringConfig config,
      ScorerConfig scorer) {
    this.service = service;
    this.registry = registry;
    this.serverTiming = scorer.serverTiming();
    if (config.enabled()) {
      LOG.infof(
          "scoring requests from Kafka %s: topic %s, group %s, replies on %s",
          config.bootstrap(), config.requestTopic(), config.group(), config.replyTopic());
    }
  }

  @Incoming(REQUESTS)
  @Outgoing(REPLIES)
  @Blocking(ordered = false)
  public Message<byte[]> score(Message<byte[]> in) {
    ScoreResponse reply;
    try {
      reply = reply(in.getPayload());
    } catch (RuntimeException | java.lang.Error e) {
      // never fail the stream: a failure here would stop the partition
      ScoringProblem p = ScoringProblem.internal(e, "scoring a Kafka request");
      reply = error("", "", p.status(), p.title(), p.getMessage());
    }
    String key =
        Optional.ofNullable(RequestId.runOf(reply.getRequestId())).orElseGet(() -> incomingKey(in));
    RecordHeaders headers = new RecordHeaders();
    checksumOf(reply.getModel())
        .ifPresent(
            c -> headers.add(KafkaContract.CHECKSUM_HEADER, c.getBytes(StandardCharsets.UTF_8)));
    return in.withPayload(reply.toByteArray())
        .addMetadata(
            OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key)
                .withHeaders(headers)
                .build());
  }

  private ScoreResponse reply(byte[] payload) {
    ScoreRequest r;
    try {
      r = ScoreRequest.parseFrom(payload == null ? new byte[0] : payload);
    } catch (InvalidProtocolBufferException e) {
      LOG.warnf(
          "a Kafka record is not a ScoreRequest (%s); replying with an error", e.getMessage());
      return error(
          "", "", 400, "unreadable request", "not a protobuf ScoreRequest: " + e.getMessage());
    }
    if (r.getRequestId().isEmpty() || r.getModel().isEmpty()) {
      LOG.warn("a Kafka ScoreRequest has no request id or model; replying with an error");
      return error(
          r.getRequestId(),
          r.getModel(),
          400,
          "unreadable request",
          "request_id and model are required");
    }
    try {
      var request =
          service.withOdin(
              service.request(
                  r.getMethodsList(),
                  r.getIncludeList(),
                  // as gRPC reads it: 0 (unset in proto3) means the default TPR
                  r.getTpr() == 0 ? null : r.getTpr(),
                  r.getTopK()),
              r.hasOdinEps() ? r.getOdinEps() : null,
              r.hasOdinTemperature() ? r.getOdinTemperature() : null);
      service.checkImageCount(r.getImagesCount()); // before any image is copied
      List<ImageInput> images = new ArrayList<>();
      for (int i = 0; i < r.getImagesCount(); i++) {
        Image image = r.getImages(i);
        if (image.getContentCase() != Image.ContentCase.ENCODED) {
          throw ScoringProblem.badRequest("image " + i + " has no encoded bytes");
        }
        images.add(new ImageInput.Encoded(image.getEncoded().toByteArray(), "image " + i));
      }
      ScoringService.Timed timed = service.scoreTimed(r.getModel(), images, request, "kafka");
      return ScorerGrpcService.toProto(
          r.getRequestId(), r.getModel(), timed.scored(), serverTiming ? timed.timing() : null);
    } catch (ScoringProblem p) {
      return error(r.getRequestId(), r.getModel(), p.status(), p.title(), p.getMessage());
    }
  }

  private Optional<String> checksumOf(String model) {
    return registry.models().stream()
        .filter(m -> m.name().equals(model))
        .map(LoadedModel::model)
        .map(m -> m.checksum())
        .findFirst();
  }

  private static String incomingKey(Message<byte[]> in) {
    return in.getMetadata(IncomingKafkaRecordMetadata.class)
        .map(m -> m.getKey() == null ? "" : String.valueOf(m.getKey()))
        .orElse("");
  }

  private static ScoreResponse error(
      String requestId, String model, int status, String title, String detail) {
    return ScoreResponse.newBuilder()
        .setRequestId(requestId)
        .setModel(model)
        .setError(
            Error.newBuilder()
                .setStatus(status)
                .setTitle(title)
                .setDetail(ScoringProblem.clean(detail)))
        .build();
  }
}
