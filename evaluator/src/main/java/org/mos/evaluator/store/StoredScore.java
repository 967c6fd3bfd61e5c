package org.mos.evaluator.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the score store holds for one image of one bundle: the prediction and the scores of the
 * methods scored so far (with the compute time each cost), or why the image could not be scored.
 *
 * @param image the image's key (its absolute, normalised path)
 * @param size the file size when it was scored (a changed file is scored again)
 * @param modified the file's last-modified time in milliseconds when it was scored
 * @param predictedClass the predicted flat class, -1 for a failed image
 * @param sharedSeconds this image's share of the time all methods share (decode and forward pass)
 * @param scores score per method id
 * @param methodSeconds per method id, this image's share of that method's own scoring time
 * @param error why the image could not be scored, or null
 */
public record StoredScore(
    String image,
    long size,
    long modified,
    int predictedClass,
    double sharedSeconds,
    Map<String, Double> scores,
    Map<String, Double> methodSeconds,
    String error) {

  public StoredScore {
    Objects.requireNonNull(image, "image");
    scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    methodSeconds = Collections.unmodifiableMap(new LinkedHashMap<>(methodSeconds));
  }

  /** This record with other scores and method times (the same image, file and prediction). */
  public StoredScore withScores(Map<String, Double> scores, Map<String, Double> methodSeconds) {
    return new StoredScore(
        image, size, modified, predictedClass, sharedSeconds, scores, methodSeconds, error);
  }

  /** Whether the image could not be scored. */
  public boolean failed() {
    return error != null;
  }

  /** Whether this record was made from the file as it is now (same size and modification time). */
  public boolean matches(long currentSize, long currentModified) {
    return size == currentSize && modified == currentModified;
  }

  /**
   * This record with the scores of {@code later} added (a later run scored more methods of the same
   * file). A later failure or a record of a changed file replaces this one.
   */
  StoredScore mergedWith(StoredScore later) {
    if (later.failed() || failed() || !later.matches(size, modified)) {
      return later;
    }
    Map<String, Double> s = new LinkedHashMap<>(scores);
    s.putAll(later.scores);
    Map<String, Double> t = new LinkedHashMap<>(methodSeconds);
    t.putAll(later.methodSeconds);
    return new StoredScore(
        image,
        size,
        modified,
        later.predictedClass,
        sharedSeconds + later.sharedSeconds,
        s,
        t,
        null);
  }
}
