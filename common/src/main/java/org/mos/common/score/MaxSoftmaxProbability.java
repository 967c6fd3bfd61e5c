package org.mos.common.score;

/**
 * Maximum softmax probability (Hendrycks &amp; Gimpel, "A Baseline for Detecting Misclassified and
 * Out-of-Distribution Examples", ICLR 2017): {@code MSP(x) = max_i softmax(logits)_i}.
 */
public final class MaxSoftmaxProbability implements LogitScore {

  @Override
  public String id() {
    return "msp";
  }

  @Override
  public double[] score(FloatMatrix logits) {
    return TemperatureSoftmax.maxProbability(logits, 1.0);
  }
}
