package org.mos.evaluator.transport;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.inference.ScoredBatch;
import org.mos.scorer.grpc.v1.Error;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ImageResult;
import org.mos.scorer.grpc.v1.ListModelsRequest;
import org.mos.scorer.grpc.v1.ListModelsResponse;
import org.mos.scorer.grpc.v1.ModelInfo;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;
import org.mos.scorer.grpc.v1.ScorerGrpc;

/**
 * An in-test gRPC server on the service generated from the scorer's {@code .proto}, backed by
 * {@link ReferenceScores} (BundleModel + BundleScorer): one model, requests answered in order, a
 * request with an undecodable image refused whole with status 400 as the real scorer does. (An
 * {@code AsyncService}, not a {@code BindableService}, so that Quarkus does not take it for a
 * service of the evaluator's own when it indexes the test classes.)
 */
final class BundleScorerGrpcServer implements ScorerGrpc.AsyncService, AutoCloseable {

  static final String MODEL = "synthetic";

  private final ReferenceScores reference;
  private final Server server;
  private final long delayMillis;
  final AtomicInteger streamRequests = new AtomicInteger();
  final AtomicInteger unaryRequests = new AtomicInteger();
  final AtomicInteger maxImagesInOneRequest = new AtomicInteger();

  BundleScorerGrpcServer(ReferenceScores reference, long delayMillis) throws IOException {
    this.reference = reference;
    this.delayMillis = delayMillis;
    this.server = ServerBuilder.forPort(0).addService(ScorerGrpc.bindService(this)).build().start();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
    out.onNext(
        ListModelsResponse.newBuilder()
            .addModels(
                ModelInfo.newBuilder()
                    .setName(MODEL)
                    .addAllMethods(reference.scorer.methods())
                    .setChecksum(reference.model.checksum()))
            .build());
    out.onCompleted();
  }

  @Override
  public void score(ScoreRequest request, StreamObserver<ScoreResponse> out) {
    unaryRequests.incrementAndGet();
    ScoreResponse r = answer(request);
    if (r.hasError()) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription(r.getError().getTitle() + ": " + r.getError().getDetail())
              .asRuntimeException());
    } else {
      out.onNext(r);
      out.onCompleted();
    }
  }

  @Override
  public StreamObserver<ScoreRequest> scoreStream(StreamObserver<ScoreResponse> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ScoreRequest request) {
        streamRequests.incrementAndGet();
        maxImagesInOneRequest.accumulateAndGet(request.getImagesCount(), Math::max);
        sleep();
        // gRPC delivers a stream's messages one at a time, so answering here keeps the order
        out.onNext(answer(request));
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  private void sleep() {
    try {
      Thread.sleep(delayMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private ScoreResponse answer(ScoreRequest request) {
    ScoreResponse.Builder b =
        ScoreResponse.newBuilder().setRequestId(request.getRequestId()).setModel(MODEL);
    if (!request.getModel().equals(MODEL)) {
      return b.setError(Error.newBuilder().setStatus(404).setTitle("unknown model")).build();
    }
    List<byte[]> images = new ArrayList<>();
    for (Image image : request.getImagesList()) {
      images.add(image.getEncoded().toByteArray());
    }
    try {
      ScoredBatch scored =
          reference.score(
              images,
              request.getMethodsList(),
              ScoreMessages.odin(request),
              request.getIncludeList());
      for (var img : scored.images()) {
        b.addImages(proto(img));
      }
      return b.build();
    } catch (ImageDecodeException e) {
      return b.setError(
              Error.newBuilder()
                  .setStatus(400)
                  .setTitle("undecodable image")
                  .setDetail(e.getMessage()))
          .build();
    }
  }

  /**
   * An image's result as the scorer's gRPC service returns it: prediction, scores and the outputs
   * the request included (logits, features).
   */
  static ImageResult.Builder proto(org.mos.common.inference.ImageResult img) {
    ImageResult.Builder r =
        ImageResult.newBuilder().setPredictedClass(img.predictedClass()).putAllScores(img.scores());
    if (img.logits() != null) {
      for (float v : img.logits()) {
        r.addLogits(v);
      }
    }
    if (img.features() != null) {
      for (float v : img.features()) {
        r.addFeatures(v);
      }
    }
    return r;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
