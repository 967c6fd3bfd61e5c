package org.mos.scorer.messaging;

import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoredBatch;
import org.mos.scorer.grpc.v1.Decision;
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
      var img =
          org.mos.scorer.grpc.v1.ImageResult.newBuilder()
              .setPredictedClass(r.predictedClass())
              .setClassName(r.className())
              .setGroup(r.group() == null ? -1 : r.group())
              .setProbability(r.probability())
              .putAllScores(r.scores());
      r.decisions()
          .forEach(
              (m, d) ->
                  img.putDecisions(
                      m,
                      Decision.newBuilder()
                          .setOod(d.ood())
                          .setThreshold(d.threshold())
                          .setTpr(d.tpr())
                          .setPValue(d.pValue())
                          .build()));
      if (r.logits() != null) {
        for (float v : r.logits()) {
          img.addLogits(v);
        }
      }
      b.addImages(img);
    }
    return b.build();
  }
}
