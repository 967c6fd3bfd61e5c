package org.mos.common.score;

/** The maximum of a temperature-scaled softmax, shared by MSP (T = 1) and ODIN. */
final class TemperatureSoftmax {

  private TemperatureSoftmax() {}

  static double checkTemperature(String method, double t) {
    if (!(t > 0) || Double.isInfinite(t)) {
      throw new IllegalArgumentException(
          method + ": the temperature must be a positive finite number but got " + t);
    }
    return t;
  }

  /** max_i softmax(l / T)_i = 1 / sum_j exp((l_j - max) / T). */
  static double[] maxProbability(FloatMatrix logits, double temperature) {
    float[] v = logits.values();
    int cols = logits.cols();
    double scale = 1 / temperature;
    double[] out = new double[logits.rows()];
    Rows.forEach(
        logits.rows(),
        cols,
        r -> {
          int from = r * cols;
          double max = Rows.max(v, from, from + cols);
          out[r] = 1 / Rows.sumExp(v, from, from + cols, max, scale);
        });
    return out;
  }
}
