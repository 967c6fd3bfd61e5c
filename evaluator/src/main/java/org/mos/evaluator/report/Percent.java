package org.mos.evaluator.report;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Fractions printed as percentages the way the paper's tables and {@code mos metrics} print them.
 */
final class Percent {

  /** What a table cell shows when a metric could not be computed. */
  static final String NOT_AVAILABLE = "n/a";

  private Percent() {}

  /**
   * 100 * fraction with two decimals, rounding the exact binary value half-even as Python's {@code
   * '%.2f'} does (the rule of common's MetricsReport, whose helper is package-private there):
   * String.format would print 24.955 - 4e-15 as 24.96.
   */
  static String of(double fraction) {
    if (!Double.isFinite(fraction)) {
      return NOT_AVAILABLE;
    }
    return new BigDecimal(100 * fraction).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
  }
}
