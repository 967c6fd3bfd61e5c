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
    float[] v = logits.values();
    int cols = logits.cols();
    double t = temperature;
    double scale = 1 / t;
    double[] out = new double[logits.rows()];
    Rows.forEach(
        logits.rows(),
        cols,
        r -> {
          int from = r * cols;
          double max = Rows.max(v, from, from + cols);
          // T * logsumexp(l / T) = max + T * log(sum exp((l - max) / T))
          out[r] = max + t * Math.log(Rows.sumExp(v, from, from + cols, max, scale));
        });
    return out;
  }
}
