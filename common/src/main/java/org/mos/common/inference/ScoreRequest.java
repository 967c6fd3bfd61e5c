package org.mos.common.inference;

import java.util.List;
import org.mos.common.score.OdinSettings;

/**
 * What a caller wants scored for a batch of images.
 *
 * @param methods score method ids; empty = every method the bundle supports
 * @param tpr the target ID true-positive rate of the calibrated thresholds, in (0, 1]
 * @param topK how many (class, probability) pairs to return per image; 0 = none
 * @param includeLogits whether to return each image's logits
 * @param includeFeatures whether to return each image's penultimate features
 * @param odin ODIN's epsilon and temperature for this request, or null for the bundle's (see {@link
 *     GradientGraphs#odinDefaults})
 */
public record ScoreRequest(
    List<String> methods,
    double tpr,
    int topK,
    boolean includeLogits,
    boolean includeFeatures,
    OdinSettings odin) {

  /** The default target ID TPR of thresholds. */
  public static final double DEFAULT_TPR = 0.95;

  public ScoreRequest {
    methods = methods == null ? List.of() : List.copyOf(methods);
    if (!(tpr > 0 && tpr <= 1)) {
      throw new IllegalArgumentException("tpr is " + tpr + "; expected a value in (0, 1]");
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k is " + topK + "; expected 0 or more");
    }
  }

  /** A request with the bundle's ODIN settings. */
  public ScoreRequest(
      List<String> methods, double tpr, int topK, boolean includeLogits, boolean includeFeatures) {
    this(methods, tpr, topK, includeLogits, includeFeatures, null);
  }

  /** Every supported method, TPR 0.95, no top-k, no logits, no features. */
  public static ScoreRequest defaults() {
    return new ScoreRequest(List.of(), DEFAULT_TPR, 0, false, false);
  }

  /** A copy with other ODIN settings (null: the bundle's). */
  public ScoreRequest withOdin(OdinSettings settings) {
    return new ScoreRequest(methods, tpr, topK, includeLogits, includeFeatures, settings);
  }
}
