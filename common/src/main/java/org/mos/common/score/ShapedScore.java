package org.mos.common.score;

/**
 * An activation shaping followed by a logit score: the penultimate features of each row shaped and
 * passed through the head ({@link LogitShaping}), then scored by {@code score} (energy for the
 * methods as published; MSP, GEN or the MOS group score in combinations such as {@code mos+react}).
 * The {@code logits} output of the model is not used.
 */
public final class ShapedScore implements OodScore {

  private final String id;
  private final LogitShaping shaping;
  private final LogitScore score;

  /** {@code score} over the logits of {@code shaping}, reported under {@code id}. */
  public ShapedScore(String id, LogitShaping shaping, LogitScore score) {
    this.id = id;
    this.shaping = shaping;
    this.score = score;
  }

  @Override
  public String id() {
    return id;
  }

  /** The shaping. */
  public LogitShaping shaping() {
    return shaping;
  }

  @Override
  public double[] score(ModelOutputs outputs) {
    FloatMatrix f = outputs.features();
    if (f == null) {
      throw new IllegalArgumentException(
          "score '" + id + "' needs the penultimate features but none were given");
    }
    return score.score(shapedLogits(f));
  }

  /** The shaped logits of each row of {@code features}, in double. */
  public double[][] shapedLogits(FloatMatrix features) {
    return shaping.logits(features);
  }
}
