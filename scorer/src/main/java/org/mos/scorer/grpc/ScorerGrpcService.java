package org.mos.scorer.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.ArrayList;
import java.util.List;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoredBatch;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.grpc.v1.ClassProbability;
import org.mos.scorer.grpc.v1.Decision;
import org.mos.scorer.grpc.v1.Error;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ListModelsRequest;
import org.mos.scorer.grpc.v1.ListModelsResponse;
import org.mos.scorer.grpc.v1.ModelInfo;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;
import org.mos.scorer.grpc.v1.Scorer;
import org.mos.scorer.limits.ScorerLimits;
import org.mos.scorer.service.ImageInput;
import org.mos.scorer.service.LoadedModel;
import org.mos.scorer.service.ModelRegistry;
import org.mos.scorer.service.ScoringProblem;
import org.mos.scorer.service.ScoringService;
import org.mos.scorer.service.ServerTiming;

/**
 * The gRPC face of the scorer (see {@code scorer.proto}): the same service layer as REST, run on
 * worker threads. Unary errors are gRPC statuses; stream errors are {@code error} fields, so one
 * bad request, whatever its fault (an unexpected failure too: a 500 with an error id), does not end
 * a stream. A message over {@code quarkus.grpc.server.max-inbound-message-size} (= {@code
 * scorer.limits.max-body-bytes}) or one that is not protobuf is refused by gRPC itself, before this
 * service sees it, and ends the call with {@code RESOURCE_EXHAUSTED} / {@code INTERNAL}.
 */
@GrpcService
public class ScorerGrpcService implements Scorer {

  private final ScoringService service;
  private final ModelRegistry registry;
  private final ScorerLimits limits;
  private final boolean serverTiming;

  public ScorerGrpcService(
      ScoringService service, ModelRegistry registry, ScorerConfig config, ScorerLimits limits) {
    this.service = service;
    this.registry = registry;
    this.limits = limits;
    this.serverTiming = config.serverTiming();
  }

  @Override
  public Uni<ScoreResponse> score(ScoreRequest request) {
    return Uni.createFrom()
        .item(() -> run(request))
        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
        .onFailure()
        .transform(e -> toStatus(problemOf(e)));
  }

  @Override
  public Multi<ScoreResponse> scoreStream(Multi<ScoreRequest> requests) {
    // concatenate keeps responses in request order
    return requests
        .onItem()
        .transformToUniAndConcatenate(
            r ->
                Uni.createFrom()
                    .item(() -> runOrError(r))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
  }

  @Override
  public Uni<ListModelsResponse> listModels(ListModelsRequest request) {
    return Uni.createFrom().item(this::list);
  }

  private ListModelsResponse list() {
    ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
    for (LoadedModel m : registry.models()) {
      var manifest = m.model().manifest();
      ModelInfo.Builder info =
          ModelInfo.newBuilder()
              .setName(m.name())
              .setArchitecture(manifest.architecture())
              .setInputSize(manifest.inputSize())
              .setClasses(manifest.classNames().size())
              .addAllMethods(m.scorer().methods())
              .addAllCalibratedMethods(
                  m.scorer().methods().stream().filter(m.scorer().calibration()::has).toList())
              .setDevice(m.model().device().id())
              .setChecksum(m.model().checksum());
      if (manifest.groupSizes() != null) {
        info.addAllGroupSizes(manifest.groupSizes());
      }
      b.addModels(info);
    }
    return b.build();
  }

  /** A stream's answer to one request: its scores, or its error; never a failure of the stream. */
  private ScoreResponse runOrError(ScoreRequest r) {
    try {
      return run(r);
    } catch (RuntimeException | java.lang.Error e) {
      ScoringProblem p = problemOf(e);
      return ScoreResponse.newBuilder()
          .setRequestId(r.getRequestId())
          .setModel(r.getModel())
          .setError(
              Error.newBuilder()
                  .setStatus(p.status())
                  .setTitle(p.title())
                  .setDetail(String.valueOf(p.getMessage())))
          .build();
    }
  }

  private ScoreResponse run(ScoreRequest r) {
    var request =
        service.withOdin(
            service.request(
                r.getMethodsList(),
                r.getIncludeList(),
                r.getTpr() == 0 ? null : r.getTpr(),
                r.getTopK()),
            r.hasOdinEps() ? r.getOdinEps() : null,
            r.hasOdinTemperature() ? r.getOdinTemperature() : null);
    service.checkImageCount(r.getImagesCount()); // before any image is copied
    List<ImageInput> images = new ArrayList<>();
    long tensorElements = 0;
    for (int i = 0; i < r.getImagesCount(); i++) {
      Image image = r.getImages(i);
      switch (image.getContentCase()) {
        case ENCODED ->
            images.add(new ImageInput.Encoded(image.getEncoded().toByteArray(), "image " + i));
        case TENSOR -> {
          tensorElements += image.getTensor().getDataCount();
          if (tensorElements > limits.maxTensorElements()) {
            throw ScoringProblem.tooLarge(
                "the request's tensors hold more than "
                    + limits.maxTensorElements()
                    + " elements (scorer.limits.max-tensor-elements)");
          }
          images.add(tensor(image, i));
        }
        default -> throw ScoringProblem.badRequest("image " + i + " has neither bytes nor tensor");
      }
    }
    ScoringService.Timed timed = service.scoreTimed(r.getModel(), images, request, "grpc");
    return toProto(
        r.getRequestId(), r.getModel(), timed.scored(), serverTiming ? timed.timing() : null);
  }

  /**
   * A scored request as its protobuf answer (shared with the Kafka replies), with {@code timing}
   * unless it is null.
   */
  public static ScoreResponse toProto(
      String requestId, String model, ScoredBatch scored, ServerTiming timing) {
    ScoreResponse.Builder b =
        ScoreResponse.newBuilder()
            .setRequestId(requestId)
            .setModel(model)
            .putAllDecisionsOmitted(scored.decisionsOmitted());
    scored.images().forEach(img -> b.addImages(toProto(img)));
    if (timing != null) {
      b.setTiming(
          org.mos.scorer.grpc.v1.ServerTiming.newBuilder()
              .setPrepareMs(timing.prepareMs())
              .setQueueMs(timing.queueMs())
              .setInferMs(timing.inferMs())
              .setScoreMs(timing.scoreMs())
              .setBatchImages(timing.batchImages()));
    }
    return b.build();
  }

  private ImageInput tensor(Image image, int i) {
    var t = image.getTensor();
    if (t.getShapeCount() != 3
        || t.getShape(0) != 3
        || t.getShape(1) <= 0
        || t.getShape(1) != t.getShape(2)) {
      throw ScoringProblem.badTensor(
          "image " + i + " has tensor shape " + t.getShapeList() + "; expected [3, size, size]");
    }
    // a shape entry up to 2^63 would overflow the product: compare before multiplying
    long side = t.getShape(1);
    long max = limits.maxTensorElements();
    if (side > max || 3 * side * side > max) {
      throw ScoringProblem.tooLarge(
          "image "
              + i
              + " declares tensor shape "
              + t.getShapeList()
              + "; at most "
              + max
              + " elements are allowed (scorer.limits.max-tensor-elements)");
    }
    long n = 3 * side * side;
    if (t.getDataCount() != n) {
      throw ScoringProblem.badTensor(
          "image " + i + " has " + t.getDataCount() + " values for shape " + t.getShapeList());
    }
    float[] chw = new float[t.getDataCount()];
    for (int k = 0; k < chw.length; k++) {
      chw[k] = t.getData(k);
    }
    return new ImageInput.Tensor(chw, "image " + i);
  }

  /** One scored image as its protobuf message (shared with the Kafka replies). */
  public static org.mos.scorer.grpc.v1.ImageResult toProto(ImageResult r) {
    var b =
        org.mos.scorer.grpc.v1.ImageResult.newBuilder()
            .setPredictedClass(r.predictedClass())
            .setClassName(r.className())
            .setGroup(r.group() == null ? -1 : r.group())
            .setProbability(r.probability())
            .putAllScores(r.scores());
    r.topK()
        .forEach(
            c ->
                b.addTopK(
                    ClassProbability.newBuilder()
                        .setIndex(c.index())
                        .setName(c.name())
                        .setProbability(c.probability())));
    r.decisions()
        .forEach(
            (m, d) ->
                b.putDecisions(
                    m,
                    Decision.newBuilder()
                        .setOod(d.ood())
                        .setThreshold(d.threshold())
                        .setTpr(d.tpr())
                        .setPValue(d.pValue())
                        .build()));
    if (r.logits() != null) {
      for (float v : r.logits()) {
        b.addLogits(v);
      }
    }
    if (r.features() != null) {
      for (float v : r.features()) {
        b.addFeatures(v);
      }
    }
    return b.build();
  }

  /** The problem a failure answers: itself, or a logged 500 with an error id. */
  private static ScoringProblem problemOf(Throwable e) {
    return e instanceof ScoringProblem p ? p : ScoringProblem.internal(e, "serving a gRPC request");
  }

  /** A refusal as a gRPC status (shared with the KServe v2 service). */
  static StatusRuntimeException toStatus(ScoringProblem p) {
    Status status =
        switch (p.status()) {
          case 404 -> Status.NOT_FOUND;
          case 413 -> Status.RESOURCE_EXHAUSTED;
          case 500 -> Status.INTERNAL;
          case 503 -> p.busy() ? Status.RESOURCE_EXHAUSTED : Status.UNAVAILABLE;
          default -> Status.INVALID_ARGUMENT;
        };
    return status.withDescription(p.title() + ": " + p.getMessage()).asRuntimeException();
  }
}
