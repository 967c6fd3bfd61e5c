package org.mos.common.score;

/**
 * The negative free energy (Liu, Wang, Owens &amp; Li, "Energy-based Out-of-distribution
 * Detection", NeurIPS 2020): {@code E(x) = T * logsumexp(logits / T)}, T = 1 by default.
 */
public final class EnergyScore implements LogitScore {

  /** The temperature the MOS paper uses. */
  public static final double DEFAULT_TEMPERATURE = 1;

  private final double temperature;

  /** Energy with T = 1. */
  public EnergyScore() {
    this(DEFAULT_TEMPERATURE);
  }

  /** Energy with temperature T > 0. */
  public EnergyScore(double temperature) {
    this.temperature = TemperatureSoftmax.checkTemperature("energy", temperature);
  }

  @Override
  public String id() {
    return "energy";
  }

  /** The temperature T. */
  public double temperature() {
    return temperature;
  }

  @Override
  public double[] score(FloatMatrix logits) {
    double t = temperature;
    // T * logsumexp(l / T) = max + T * log(sum exp((l - max) / T))
    return Rows.ofShiftedSumExp(logits, 1 / t, (max, sum) -> max + t * Math.log(sum));
  }

  @Override
  public double[] score(double[][] logits) {
    double t = temperature;
    double[] out = new double[logits.length];
    for (int r = 0; r < logits.length; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : logits[r]) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (double v : logits[r]) {
        sum += Math.exp((v - max) / t);
      }
      out[r] = max + t * Math.log(sum);
    }
    return out;
  }
}
