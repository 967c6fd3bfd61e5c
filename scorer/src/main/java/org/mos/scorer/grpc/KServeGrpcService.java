package org.mos.scorer.grpc;

import inference.GRPCInferenceService;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferResponse;
import inference.GrpcPredictV2.ModelMetadataRequest;
import inference.GrpcPredictV2.ModelMetadataResponse;
import inference.GrpcPredictV2.ModelReadyRequest;
import inference.GrpcPredictV2.ModelReadyResponse;
import inference.GrpcPredictV2.ServerLiveRequest;
import inference.GrpcPredictV2.ServerLiveResponse;
import inference.GrpcPredictV2.ServerMetadataRequest;
import inference.GrpcPredictV2.ServerMetadataResponse;
import inference.GrpcPredictV2.ServerReadyRequest;
import inference.GrpcPredictV2.ServerReadyResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.function.Supplier;
import org.mos.scorer.kserve.V2Inference;
import org.mos.scorer.service.ScoringProblem;

/**
 * The Open Inference Protocol's gRPC service ({@code inference.GRPCInferenceService} of KServe's
 * {@code grpc_predict_v2.proto}, compiled in the contract module), beside the suite's own {@code
 * Scorer} on the same port; the same semantics as the REST {@code /v2} endpoints ({@link
 * V2Inference}). Refusals are statuses: INVALID_ARGUMENT for a bad request, NOT_FOUND for an
 * unknown model or version, RESOURCE_EXHAUSTED beyond a limit, UNAVAILABLE.
 */
@GrpcService
public class KServeGrpcService implements GRPCInferenceService {

  private final V2Inference v2;

  public KServeGrpcService(V2Inference v2) {
    this.v2 = v2;
  }

  @Override
  public Uni<ServerLiveResponse> serverLive(ServerLiveRequest request) {
    return Uni.createFrom().item(ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public Uni<ServerReadyResponse> serverReady(ServerReadyRequest request) {
    return call(() -> ServerReadyResponse.newBuilder().setReady(v2.serverReady()).build());
  }

  @Override
  public Uni<ModelReadyResponse> modelReady(ModelReadyRequest request) {
    return call(
        () ->
            ModelReadyResponse.newBuilder()
                .setReady(v2.modelReady(request.getName(), version(request.getVersion())))
                .build());
  }

  @Override
  public Uni<ServerMetadataResponse> serverMetadata(ServerMetadataRequest request) {
    return call(
        () -> {
          V2Inference.ServerMetadata m = v2.serverMetadata();
          return ServerMetadataResponse.newBuilder()
              .setName(m.name())
              .setVersion(m.version())
              .addAllExtensions(m.extensions())
              .build();
        });
  }

  @Override
  public Uni<ModelMetadataResponse> modelMetadata(ModelMetadataRequest request) {
    return call(
        () -> {
          V2Inference.ModelMetadata m =
              v2.modelMetadata(request.getName(), version(request.getVersion()));
          ModelMetadataResponse.Builder b =
              ModelMetadataResponse.newBuilder()
                  .setName(m.name())
                  .addAllVersions(m.versions())
                  .setPlatform(m.platform());
          m.inputs().forEach(t -> b.addInputs(tensor(t)));
          m.outputs().forEach(t -> b.addOutputs(tensor(t)));
          return b.build();
        });
  }

  @Override
  public Uni<ModelInferResponse> modelInfer(ModelInferRequest request) {
    return Uni.createFrom()
        .item(
            () ->
                V2Proto.write(
                    v2.infer(V2Proto.parse(request, v2.maxTensorElements()), "v2-grpc"),
                    request.getRawInputContentsCount() > 0))
        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
        .onFailure(ScoringProblem.class)
        .transform(e -> ScorerGrpcService.toStatus((ScoringProblem) e));
  }

  private static <T> Uni<T> call(Supplier<T> answer) {
    return Uni.createFrom()
        .item(answer)
        .onFailure(ScoringProblem.class)
        .transform(e -> ScorerGrpcService.toStatus((ScoringProblem) e));
  }

  private static String version(String v) {
    return v.isEmpty() ? null : v;
  }

  private static ModelMetadataResponse.TensorMetadata tensor(V2Inference.TensorMetadata t) {
    return ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(t.name())
        .setDatatype(t.datatype().name())
        .addAllShape(t.shape())
        .build();
  }
}
