package org.mos.evaluator.fit;

import java.util.List;

/**
 * How the per-layer Mahalanobis scores are combined into {@code P(OOD) = sigmoid(b + w . s)}.
 *
 * <ul>
 *   <li>{@code lr}: logistic regression (scikit-learn's {@code LogisticRegressionCV} defaults)
 *       trained on ID validation images (label 0) vs user-given negatives (label 1), as the
 *       Mahalanobis reference does with FGSM-perturbed copies or held-out OOD images.
 *   <li>{@code sum}: the sum of the layers' scores, standardised on the ID validation images.
 *   <li>{@code single:LAYER}: one layer's score, standardised on the ID validation images.
 * </ul>
 *
 * The standardisation of {@code sum} and {@code single} is monotone, so their ranking is that of
 * the raw score; it only keeps the sigmoid away from saturation (raw Mahalanobis scores are
 * hundreds or thousands below zero, and sigmoid of such values is exactly 1 in double).
 *
 * @param kind lr, sum or single
 * @param layer the layer of {@code single}, else null
 */
record MahalanobisCombiner(String kind, String layer) {

  static final String LR = "lr";
  static final String SUM = "sum";
  static final String SINGLE = "single";

  /** Parses {@code lr}, {@code sum} or {@code single:LAYER}. */
  static MahalanobisCombiner parse(String text) {
    String t = text.strip();
    if (t.equals(LR) || t.equals(SUM)) {
      return new MahalanobisCombiner(t, null);
    }
    if (t.startsWith(SINGLE + ":") && t.length() > SINGLE.length() + 1) {
      return new MahalanobisCombiner(SINGLE, t.substring(SINGLE.length() + 1));
    }
    throw FitException.usage(
        "--mahalanobis-combiner is '" + text + "'; expected lr, sum or single:LAYER");
  }

  boolean isLogisticRegression() {
    return LR.equals(kind);
  }

  /** Checks that a single layer is one of the fitted layers. */
  void check(List<String> layers) {
    if (layer != null && !layers.contains(layer)) {
      throw FitException.usage(
          "--mahalanobis-combiner single:"
              + layer
              + " names a layer that is not fitted; the"
              + " layers are "
              + layers);
    }
  }

  @Override
  public String toString() {
    return layer == null ? kind : kind + ":" + layer;
  }
}
