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
    return Rows.ofShiftedSumExp(logits, 1 / temperature, (max, sum) -> 1 / sum);
  }
}
