package org.mos.evaluator.transport;

import java.util.Map;
import java.util.Objects;

/**
 * What came back for one {@link ImageTask}: the prediction and the score per method, or why the
 * image could not be scored.
 *
 * @param seq the task's {@link ImageTask#seq()}
 * @param dataset the task's dataset
 * @param imageId the task's image id
 * @param label the task's label (-1 for OOD)
 * @param predictedClass the predicted flat class index, or -1 when the image failed
 * @param scores score per method id (higher = more in-distribution); empty when the image failed
 * @param error why the image could not be scored (for example undecodable), or null
 * @param outputs graph outputs the run asked the scorer to include ({@code logits}, {@code
 *     features}: one row each), by name; empty unless asked for
 */
public record ScoredImage(
    long seq,
    String dataset,
    String imageId,
    int label,
    int predictedClass,
    Map<String, Double> scores,
    String error,
    Map<String, float[]> outputs) {

  public ScoredImage {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(imageId, "imageId");
    scores = Map.copyOf(scores);
    outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
  }

  /** A successful result for a task. */
  public static ScoredImage of(ImageTask task, int predictedClass, Map<String, Double> scores) {
    return of(task, predictedClass, scores, Map.of());
  }

  /** A successful result for a task with the graph outputs the run asked for. */
  public static ScoredImage of(
      ImageTask task,
      int predictedClass,
      Map<String, Double> scores,
      Map<String, float[]> outputs) {
    return new ScoredImage(
        task.seq(),
        task.dataset(),
        task.imageId(),
        task.label(),
        predictedClass,
        scores,
        null,
        outputs);
  }

  /** A failed result for a task: the image is skipped and reported. */
  public static ScoredImage failed(ImageTask task, String error) {
    return new ScoredImage(
        task.seq(), task.dataset(), task.imageId(), task.label(), -1, Map.of(), error, Map.of());
  }

  /** Whether the image could not be scored. */
  public boolean failed() {
    return error != null;
  }
}
