package org.mos.evaluator.transport;

import com.google.protobuf.ByteString;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.mos.common.score.OdinSettings;
import org.mos.contract.RequestId;
import org.mos.scorer.grpc.v1.Error;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * The messages of the messaging transports: the {@code ScoreRequest} and {@code ScoreResponse} of
 * the scorer's {@code .proto}, one image per request, {@code request_id} as {@link RequestId}
 * writes it. On Kafka they travel as their protobuf bytes; in memory as the objects themselves.
 */
public final class ScoreMessages {

  private ScoreMessages() {}

  /** A request to score one encoded image with a model, with the bundle's ODIN settings. */
  public static ScoreRequest request(
      String runId, long seq, String model, byte[] encoded, List<String> methods) {
    return request(runId, seq, model, encoded, methods, null);
  }

  /**
   * A request to score one encoded image with a model.
   *
   * @param odin ODIN's epsilon and temperature, or null for the bundle's
   */
  public static ScoreRequest request(
      String runId,
      long seq,
      String model,
      byte[] encoded,
      List<String> methods,
      OdinSettings odin) {
    return request(runId, seq, model, encoded, methods, odin, Set.of());
  }

  /**
   * A request to score one encoded image with a model that also returns the graph outputs named in
   * {@code include} ({@code logits}, {@code features}).
   */
  public static ScoreRequest request(
      String runId,
      long seq,
      String model,
      byte[] encoded,
      List<String> methods,
      OdinSettings odin,
      Set<String> include) {
    return requestBuilder(RequestId.of(runId, seq), model, methods, odin, include)
        .addImages(Image.newBuilder().setEncoded(ByteString.copyFrom(encoded)))
        .build();
  }

  /**
   * A request without images yet (the gRPC stream adds a batch of them).
   *
   * @param odin ODIN's epsilon and temperature, or null for the bundle's
   * @param include the graph outputs to return too, sent sorted
   */
  static ScoreRequest.Builder requestBuilder(
      String requestId,
      String model,
      List<String> methods,
      OdinSettings odin,
      Set<String> include) {
    ScoreRequest.Builder b =
        ScoreRequest.newBuilder()
            .setRequestId(requestId)
            .setModel(model)
            .addAllMethods(methods)
            .addAllInclude(new TreeSet<>(include));
    return odin == null ? b : withOdin(b, odin);
  }

  /**
   * Sets both of ODIN's fields, so the scorer does not fill either from the bundle or the paper.
   */
  private static ScoreRequest.Builder withOdin(ScoreRequest.Builder b, OdinSettings odin) {
    return b.setOdinEps(odin.epsilon()).setOdinTemperature(odin.temperature());
  }

  /** The ODIN settings a request carries, or null when it sets neither field (the bundle's). */
  public static OdinSettings odin(ScoreRequest r) {
    if (!r.hasOdinEps() && !r.hasOdinTemperature()) {
      return null;
    }
    OdinSettings paper = OdinSettings.PAPER_DEFAULT;
    return new OdinSettings(
        r.hasOdinEps() ? r.getOdinEps() : paper.epsilon(),
        r.hasOdinTemperature() ? r.getOdinTemperature() : paper.temperature());
  }

  /** An error reply (problem details: HTTP-like status, title, detail). */
  public static ScoreResponse error(
      String requestId, String model, int status, String title, String detail) {
    return ScoreResponse.newBuilder()
        .setRequestId(requestId)
        .setModel(model)
        .setError(
            Error.newBuilder()
                .setStatus(status)
                .setTitle(title)
                .setDetail(detail == null ? "" : detail))
        .build();
  }

  /** The result of a task from its reply: the image's prediction and scores, or its error. */
  public static ScoredImage result(ImageTask task, ScoreResponse reply) {
    if (reply.hasError()) {
      Error e = reply.getError();
      return ScoredImage.failed(
          task, e.getTitle() + (e.getDetail().isEmpty() ? "" : ": " + e.getDetail()));
    }
    if (reply.getImagesCount() != 1) {
      return ScoredImage.failed(
          task, "the reply holds " + reply.getImagesCount() + " results; expected 1");
    }
    return scored(task, reply.getImages(0));
  }

  /** The result of a task from one image result: its prediction, scores and graph outputs. */
  static ScoredImage scored(ImageTask task, org.mos.scorer.grpc.v1.ImageResult img) {
    Map<String, Double> scores = new LinkedHashMap<>(img.getScoresMap());
    return ScoredImage.of(task, img.getPredictedClass(), scores, outputs(img));
  }

  /** The graph outputs an image result carries (those the request included), by name. */
  static Map<String, float[]> outputs(org.mos.scorer.grpc.v1.ImageResult img) {
    Map<String, float[]> out = new LinkedHashMap<>();
    if (img.getLogitsCount() > 0) {
      out.put(ScoringTransport.LOGITS, floats(img.getLogitsList()));
    }
    if (img.getFeaturesCount() > 0) {
      out.put(ScoringTransport.FEATURES, floats(img.getFeaturesList()));
    }
    return out;
  }

  private static float[] floats(List<Float> values) {
    float[] a = new float[values.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = values.get(i);
    }
    return a;
  }
}
