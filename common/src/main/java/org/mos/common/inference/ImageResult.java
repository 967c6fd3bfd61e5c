package org.mos.common.inference;

import java.util.List;
import java.util.Map;

/**
 * The prediction and OOD scores of one image.
 *
 * @param predictedClass the flat class index
 * @param className the predicted class's name
 * @param group the predicted group (group-softmax bundles), or null for a flat bundle
 * @param probability the predicted class's probability (within its group's softmax for a group
 *     bundle)
 * @param topK the best classes, highest first, or an empty list when not asked for
 * @param scores score per method id (higher = more in-distribution)
 * @param decisions the calibrated decision per method id, for methods with calibration scores
 * @param logits the logits when asked for, else null
 * @param features the penultimate features when asked for, else null
 */
public record ImageResult(
    int predictedClass,
    String className,
    Integer group,
    double probability,
    List<ClassProbability> topK,
    Map<String, Double> scores,
    Map<String, Decision> decisions,
    float[] logits,
    float[] features) {

  /** A class and its probability. */
  public record ClassProbability(int index, String name, double probability) {}

  /**
   * The calibrated decision of one method.
   *
   * @param ood whether the score is below the threshold
   * @param threshold the score threshold at the requested ID TPR
   * @param tpr the ID TPR that threshold gives on the calibration scores
   * @param pValue the share of ID calibration scores at or below this score
   */
  public record Decision(boolean ood, double threshold, double tpr, double pValue) {}
}
