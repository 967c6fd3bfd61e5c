package org.mos.evaluator.transport;

import io.smallrye.mutiny.Multi;
import java.util.List;
import java.util.Set;
import org.mos.common.score.OdinSettings;

/**
 * How an evaluation run gets images scored: in-process on ONNX Runtime, over gRPC {@code
 * ScoreStream} to a running scorer, or over SmallRye Reactive Messaging channels (in-memory or
 * Kafka). One transport serves one model. Implementations read the encoded image from {@link
 * ImageTask#path()} themselves (in-process decodes it; remote transports send its bytes).
 */
public interface ScoringTransport extends AutoCloseable {

  /** The {@code include} value that returns the logits. */
  String LOGITS = "logits";

  /** The {@code include} value that returns the penultimate features. */
  String FEATURES = "features";

  /** What a remote scorer can return besides scores: the graph outputs it includes on request. */
  Set<String> INCLUDABLE = Set.of(LOGITS, FEATURES);

  /** A short name for logs and reports: {@code in-process}, {@code grpc}, {@code kafka}, ... */
  String name();

  /** The score methods this transport's model computes, in the order the model lists them. */
  List<String> methods();

  /**
   * The SHA-256 checksum of the model bundle that scores, so stored scores are keyed by the exact
   * model that produced them.
   */
  String modelChecksum();

  /**
   * Scores a stream of images with back-pressure: at most a bounded number of images are in flight.
   * Emits exactly one {@link ScoredImage} per task, in any order; an image that cannot be decoded
   * or scored yields a {@link ScoredImage#failed failed} result instead of failing the stream. The
   * stream fails only when the transport itself breaks (for example the scorer is unreachable).
   *
   * @param tasks the images to score
   * @param methods the methods wanted (a subset of {@link #methods()}); empty = all
   * @param odin ODIN's epsilon and temperature (epsilon above 0 perturbs the input, see {@link
   *     OdinSettings}), or null for the bundle's own settings
   */
  Multi<ScoredImage> score(Multi<ImageTask> tasks, List<String> methods, OdinSettings odin);

  /**
   * {@link #score(Multi, List, OdinSettings)} that also returns, per image, the graph outputs named
   * in {@code include} ({@link #LOGITS}, {@link #FEATURES}: what the scorer's {@code
   * ScoreRequest.include} returns) in {@link ScoredImage#outputs()}: how {@code mos fit} extracts
   * over a remote transport. Only remote transports implement it.
   *
   * @throws UnsupportedOperationException when this transport cannot return graph outputs
   */
  default Multi<ScoredImage> score(
      Multi<ImageTask> tasks, List<String> methods, OdinSettings odin, Set<String> include) {
    if (include.isEmpty()) {
      return score(tasks, methods, odin);
    }
    throw new UnsupportedOperationException(
        "the " + name() + " transport does not return graph outputs " + include);
  }

  /**
   * Checks an {@code include} set against {@link #INCLUDABLE}.
   *
   * @throws IllegalArgumentException naming an output a scorer cannot return
   */
  static void checkInclude(Set<String> include) {
    for (String o : include) {
      if (!INCLUDABLE.contains(o)) {
        throw new IllegalArgumentException(
            "a scorer returns no graph output '" + o + "'; it includes only " + INCLUDABLE);
      }
    }
  }

  /** {@link #score(Multi, List, OdinSettings)} with the bundle's own ODIN settings. */
  default Multi<ScoredImage> score(Multi<ImageTask> tasks, List<String> methods) {
    return score(tasks, methods, null);
  }

  @Override
  void close();
}
