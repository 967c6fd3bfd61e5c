package org.mos.common.score;

import java.util.List;

/**
 * Everything the Mahalanobis score needs: per-layer statistics and the logistic regression that
 * combines the per-layer scores. The regression's weights and bias are those of the OOD class
 * (label 1), so {@code P(OOD) = sigmoid(bias + sum_l weights[l] * s_l)}. Immutable; serialisable
 * with Jackson.
 *
 * @param layers statistics per layer, in layer order
 * @param regressionWeights one weight per layer
 * @param regressionBias the intercept
 */
public record MahalanobisStatistics(
    List<MahalanobisLayerStatistics> layers, double[] regressionWeights, double regressionBias) {

  public MahalanobisStatistics {
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("Mahalanobis needs at least one layer");
    }
    if (regressionWeights.length != layers.size()) {
      throw new IllegalArgumentException(
          "got "
              + regressionWeights.length
              + " regression weights for "
              + layers.size()
              + " layers");
    }
    for (double w : regressionWeights) {
      if (!Double.isFinite(w)) {
        throw new IllegalArgumentException("a regression weight is " + w);
      }
    }
    if (!Double.isFinite(regressionBias)) {
      throw new IllegalArgumentException("the regression bias is " + regressionBias);
    }
    regressionWeights = regressionWeights.clone();
  }

  @Override
  public double[] regressionWeights() {
    return regressionWeights.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MahalanobisStatistics m
        && layers.equals(m.layers)
        && java.util.Arrays.equals(regressionWeights, m.regressionWeights)
        && Double.compare(regressionBias, m.regressionBias) == 0;
  }

  @Override
  public int hashCode() {
    return layers.hashCode() * 31 + java.util.Arrays.hashCode(regressionWeights);
  }
}
