package org.mos.common.score;

import java.util.List;

/**
 * What a model emitted for one batch of inputs: its logits and, when asked for, its penultimate
 * features and the features of some layers (for Mahalanobis: the stem and blocks 1-4, each averaged
 * over space).
 *
 * @param logits the logits, or null when the model was not asked for them
 * @param features the penultimate (pre-logit) features, or null when not asked for (methods that
 *     reshape the features before the head, or score in feature space, read them)
 * @param layerFeatures the features per layer, in layer order (empty when none)
 */
public record ModelOutputs(
    FloatMatrix logits, FloatMatrix features, List<FloatMatrix> layerFeatures) {

  /** Logits and layer features, no penultimate features. */
  public ModelOutputs(FloatMatrix logits, List<FloatMatrix> layerFeatures) {
    this(logits, null, layerFeatures);
  }

  public ModelOutputs {
    layerFeatures = List.copyOf(layerFeatures);
    int rows = logits != null ? logits.rows() : -1;
    if (features != null) {
      if (rows >= 0 && features.rows() != rows) {
        throw new IllegalArgumentException(
            "the features have "
                + features.rows()
                + " rows but the logits "
                + rows
                + ": one row per input each");
      }
      rows = features.rows();
    }
    for (int l = 0; l < layerFeatures.size(); l++) {
      int r = layerFeatures.get(l).rows();
      if (rows >= 0 && r != rows) {
        throw new IllegalArgumentException(
            "layer " + l + " has features for " + r + " inputs but the batch has " + rows);
      }
      rows = r;
    }
  }

  /** Logits only. */
  public static ModelOutputs ofLogits(FloatMatrix logits) {
    return new ModelOutputs(logits, List.of());
  }

  /** Layer features only. */
  public static ModelOutputs ofFeatures(List<FloatMatrix> layerFeatures) {
    return new ModelOutputs(null, layerFeatures);
  }
}
