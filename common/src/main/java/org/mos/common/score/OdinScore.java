package org.mos.common.score;

/**
 * ODIN's temperature-scaled score (Liang, Li &amp; Srikant, "Enhancing the Reliability of
 * Out-of-distribution Image Detection in Neural Networks", ICLR 2018): {@code max_i softmax(logits
 * / T)_i}, T = 1000 by default. Only the temperature part: the input perturbation needs gradients
 * of the model and happens before the logits are computed (the MOS paper's scripts use epsilon =
 * 0).
 */
public final class OdinScore implements LogitScore {

  /** The temperature the MOS paper uses. */
  public static final double DEFAULT_TEMPERATURE = 1000;

  private final double temperature;

  /** ODIN with T = 1000. */
  public OdinScore() {
    this(DEFAULT_TEMPERATURE);
  }

  /** ODIN with temperature T > 0. */
  public OdinScore(double temperature) {
    this.temperature = TemperatureSoftmax.checkTemperature("odin", temperature);
  }

  @Override
  public String id() {
    return "odin";
  }

  /** The temperature T. */
  public double temperature() {
    return temperature;
  }

  @Override
  public double[] score(FloatMatrix logits) {
    return TemperatureSoftmax.maxProbability(logits, temperature);
  }
}
