package org.mos.evaluator.transport;

import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.inference.ImageResult;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * The scoring end of the in-memory messaging transport: consumes score requests from the {@value
 * #REQUESTS} channel, scores each with the model the request names (registered by {@link
 * MessagingTransports}) and replies on {@value #REPLIES}. Requests are scored concurrently on
 * worker threads; a request that cannot be scored gets an error reply, never a failed stream.
 */
@ApplicationScoped
public class InMemoryScoringProcessor {

  /** The in-memory request channel. */
  public static final String REQUESTS = "mos-score-requests";

  /** The in-memory reply channel. */
  public static final String REPLIES = "mos-score-replies";

  private final Map<String, BundleImageScorer> models = new ConcurrentHashMap<>();

  void register(String key, BundleImageScorer model) {
    models.put(key, model);
  }

  void unregister(String key) {
    models.remove(key);
  }

  @Incoming(REQUESTS)
  @Outgoing(REPLIES)
  @Blocking(ordered = false)
  public ScoreResponse score(ScoreRequest request) {
    String id = request.getRequestId();
    BundleImageScorer model = models.get(request.getModel());
    if (model == null) {
      return ScoreMessages.error(
          id, request.getModel(), 404, "unknown model", "no model '" + request.getModel() + "'");
    }
    if (request.getImagesCount() != 1) {
      return ScoreMessages.error(
          id,
          request.getModel(),
          400,
          "bad request",
          "the request holds " + request.getImagesCount() + " images; expected 1");
    }
    try {
      ImageResult r =
          model.score(
              request.getImages(0).getEncoded().toByteArray(),
              id,
              request.getMethodsList(),
              ScoreMessages.odin(request),
              Set.copyOf(request.getIncludeList()));
      var image =
          org.mos.scorer.grpc.v1.ImageResult.newBuilder()
              .setPredictedClass(r.predictedClass())
              .setClassName(r.className())
              .setProbability(r.probability())
              .putAllScores(r.scores());
      if (r.logits() != null) {
        for (float v : r.logits()) {
          image.addLogits(v);
        }
      }
      if (r.features() != null) {
        for (float v : r.features()) {
          image.addFeatures(v);
        }
      }
      return ScoreResponse.newBuilder()
          .setRequestId(id)
          .setModel(request.getModel())
          .addImages(image)
          .build();
    } catch (ImageDecodeException e) {
      return ScoreMessages.error(id, request.getModel(), 400, "undecodable image", e.getMessage());
    } catch (IllegalArgumentException e) {
      return ScoreMessages.error(id, request.getModel(), 400, "bad request", e.getMessage());
    } catch (RuntimeException e) {
      return ScoreMessages.error(id, request.getModel(), 500, "scoring failed", e.toString());
    }
  }
}
