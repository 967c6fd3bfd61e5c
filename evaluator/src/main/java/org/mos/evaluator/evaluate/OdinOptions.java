package org.mos.evaluator.evaluate;

import java.math.BigDecimal;
import org.mos.common.score.OdinSettings;

/**
 * ODIN's settings as {@code mos evaluate} was given them ({@code --odin-eps}, {@code
 * --odin-temperature}): each may be absent, and an absent one takes the bundle's value ({@code
 * statistics.odin.parameters}), else the MOS paper's (epsilon 0, T 1000). One run uses the same
 * options for every bundle that scores {@code odin}; the settings each bundle ends up with are
 * stated in the report.
 *
 * @param epsilon {@code --odin-eps}, or null
 * @param temperature {@code --odin-temperature}, or null
 */
public record OdinOptions(Double epsilon, Double temperature) {

  /** No option given: every bundle's own settings. */
  public static final OdinOptions BUNDLE = new OdinOptions(null, null);

  public OdinOptions {
    if (epsilon != null && !(epsilon >= 0 && Double.isFinite(epsilon))) {
      throw new IllegalArgumentException(
          "--odin-eps is " + epsilon + "; expected a finite number of 0 or more");
    }
    if (temperature != null && !(temperature > 0 && Double.isFinite(temperature))) {
      throw new IllegalArgumentException(
          "--odin-temperature is " + temperature + "; expected a finite number above 0");
    }
  }

  /** The settings for a bundle whose own settings are {@code bundle}. */
  public OdinSettings resolve(OdinSettings bundle) {
    return new OdinSettings(
        epsilon != null ? epsilon : bundle.epsilon(),
        temperature != null ? temperature : bundle.temperature());
  }

  /** Where the resolved epsilon came from. */
  public String epsilonSource(boolean bundleDeclares) {
    return epsilon != null
        ? "--odin-eps"
        : bundleDeclares ? "the bundle's statistics.odin" : "the paper's default";
  }

  /** Where each resolved value came from, for the report. */
  public String source(boolean bundleDeclares) {
    String fallback = bundleDeclares ? "the bundle's statistics.odin" : "the paper's default";
    if (epsilon != null && temperature != null) {
      return "--odin-eps, --odin-temperature";
    }
    if (epsilon != null) {
      return "--odin-eps; temperature: " + fallback;
    }
    if (temperature != null) {
      return "--odin-temperature; epsilon: " + fallback;
    }
    return fallback;
  }

  /** A number as a person writes it: 1000 rather than 1000.0, 0.0014 rather than 1.4E-3. */
  public static String number(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
