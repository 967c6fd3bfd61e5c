package org.mos.common.score;

/**
 * An activation-shaping method: the logits of a classifier head recomputed from reshaped
 * penultimate features (ReAct, ASH, SCALE) or through a sparsified head (DICE), {@code z = W' f' +
 * b}. A logit score (energy by default) then scores {@code z} ({@link ShapedScore}).
 * Implementations are immutable and never modify the features they are given.
 */
public interface LogitShaping {

  /** The registry id of the shaping, e.g. {@code react}. */
  String id();

  /** The head's logits of one feature vector after shaping. */
  double[] logits(double[] features);
}
