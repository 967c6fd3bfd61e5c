package org.mos.common.score;

/** A score computed from the logits alone. */
public interface LogitScore extends OodScore {

  /** Scores a batch of logits (rows = inputs), one score per row in row order. */
  double[] score(FloatMatrix logits);

  @Override
  default double[] score(ModelOutputs outputs) {
    if (outputs.logits() == null) {
      throw new IllegalArgumentException("score '" + id() + "' needs logits but none were given");
    }
    return score(outputs.logits());
  }
}
