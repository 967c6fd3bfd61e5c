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

  /**
   * Scores logits given in double (the shaped logits of {@link ShapedScore}). This default rounds
   * them to float32 like model outputs; scores whose value grows with the logits (energy, GEN)
   * override it to keep double precision.
   */
  default double[] score(double[][] logits) {
    return logits.length == 0 ? new double[0] : score(FloatMatrix.ofRows(logits));
  }
}
