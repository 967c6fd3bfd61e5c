package org.mos.common.fit;

import java.util.Arrays;

/**
 * A fitted binary logistic regression: {@code P(y = 1 | x) = sigmoid(intercept + weights . x)}.
 * Immutable (arrays are copied in and out).
 *
 * @param weights one weight per feature (the coefficients of class 1)
 * @param intercept the intercept (not regularised)
 * @param c the inverse regularisation strength it was fitted with ({@code C} in scikit-learn)
 */
public record LogisticModel(double[] weights, double intercept, double c) {

  public LogisticModel {
    weights = weights.clone();
    for (int j = 0; j < weights.length; j++) {
      if (!Double.isFinite(weights[j])) {
        throw new IllegalArgumentException("weight " + j + " is " + weights[j]);
      }
    }
    if (!Double.isFinite(intercept)) {
      throw new IllegalArgumentException("the intercept is " + intercept);
    }
  }

  /** The decision value {@code intercept + weights . x}; class 1 is predicted when it is > 0. */
  public double decision(double[] x) {
    if (x.length != weights.length) {
      throw new IllegalArgumentException(
          "got " + x.length + " features for a model of " + weights.length);
    }
    double z = intercept;
    for (int j = 0; j < x.length; j++) {
      z += weights[j] * x[j];
    }
    return z;
  }

  /** {@code P(y = 1 | x)}, computed as scikit-learn's {@code predict_proba(x)[:, 1]}. */
  public double probability(double[] x) {
    return 1 / (1 + Math.exp(-decision(x)));
  }

  @Override
  public double[] weights() {
    return weights.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogisticModel m
        && Arrays.equals(weights, m.weights)
        && Double.compare(intercept, m.intercept) == 0
        && Double.compare(c, m.c) == 0;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(weights) * 31 + Double.hashCode(intercept);
  }

  @Override
  public String toString() {
    return "LogisticModel[weights="
        + Arrays.toString(weights)
        + ", intercept="
        + intercept
        + ", C="
        + c
        + "]";
  }
}
