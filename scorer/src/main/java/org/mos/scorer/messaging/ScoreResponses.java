package org.mos.scorer.messaging;

import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoredBatch;
import org.mos.scorer.grpc.ScorerGrpcService;
import org.mos.scorer.grpc.v1.ScoreResponse;

/** A scored batch as the protobuf {@code ScoreResponse} of {@code scorer.proto}. */
final class ScoreResponses {

  private ScoreResponses() {}

  static ScoreResponse of(String requestId, String model, ScoredBatch scored) {
    ScoreResponse.Builder b =
        ScoreResponse.newBuilder()
            .setRequestId(requestId)
            .setModel(model)
            .putAllDecisionsOmitted(scored.decisionsOmitted());
    for (ImageResult r : scored.images()) {
      b.addImages(ScorerGrpcService.toProto(r));
    }
    return b.build();
  }
}
