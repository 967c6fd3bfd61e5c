package org.mos.scorer.rest;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mos.common.inference.Calibration;
import org.mos.scorer.service.LoadedModel;

/**
 * What GET /v1/models/{model}/calibration tells: per calibrated method, the ID calibration scores'
 * quantiles (enough to draw their distribution; the scores themselves stay in the bundle) and the
 * threshold at the default target TPR.
 *
 * @param model the model's name
 * @param methods per method id
 */
public record CalibrationInfo(String model, Map<String, MethodCalibration> methods) {

  /** Quantile probabilities 0, 0.01, .., 1. */
  static final double[] PROBABILITIES = probabilities(100);

  /**
   * One method's calibration.
   *
   * @param count the number of ID calibration scores
   * @param probabilities the quantile probabilities
   * @param quantiles the calibration scores at those probabilities (NumPy's linear rule)
   * @param tpr the default target ID TPR ({@code scorer.default-tpr})
   * @param threshold the threshold at that TPR: scores below it are flagged OOD
   */
  public record MethodCalibration(
      int count, double[] probabilities, double[] quantiles, double tpr, double threshold) {}

  static CalibrationInfo of(LoadedModel m, double defaultTpr) {
    Calibration c = m.scorer().calibration();
    Map<String, MethodCalibration> methods = new TreeMap<>();
    List<String> ids = m.scorer().methods();
    for (String method : ids) {
      if (!c.has(method)) {
        continue;
      }
      methods.put(
          method,
          new MethodCalibration(
              c.count(method),
              PROBABILITIES,
              c.quantiles(method, PROBABILITIES).orElseThrow(),
              defaultTpr,
              c.threshold(method, defaultTpr).orElseThrow().threshold()));
    }
    return new CalibrationInfo(m.name(), methods);
  }

  private static double[] probabilities(int steps) {
    double[] p = new double[steps + 1];
    for (int i = 0; i <= steps; i++) {
      p[i] = (double) i / steps;
    }
    return p;
  }
}
