package org.mos.scorer.service;

/**
 * Numbers of a request's options as text (REST query parameters), parsed strictly: a value that is
 * not a number of the expected kind is a 400 naming the parameter, never the framework's 404 for an
 * unconvertible query parameter.
 */
public final class QueryOptions {

  private QueryOptions() {}

  /**
   * The finite number {@code raw}, or null when absent.
   *
   * @throws ScoringProblem 400 naming {@code name} when {@code raw} is not a finite decimal number
   */
  public static Double finite(String name, String raw, String expected) {
    if (raw == null) {
      return null;
    }
    double value;
    try {
      value = Double.parseDouble(raw.strip());
    } catch (NumberFormatException e) {
      throw invalid(name, raw, expected);
    }
    // parseDouble also takes "NaN", "Infinity" and hexadecimal or type-suffixed forms ("1d")
    if (!Double.isFinite(value)
        || !raw.strip().matches("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?")) {
      throw invalid(name, raw, expected);
    }
    return value;
  }

  /**
   * The integer {@code raw} in [{@code min}, {@code max}], or null when absent.
   *
   * @throws ScoringProblem 400 naming {@code name} otherwise
   */
  public static Integer integer(String name, String raw, int min, int max) {
    if (raw == null) {
      return null;
    }
    String expected = "an integer from " + min + " to " + max;
    int value;
    try {
      value = Integer.parseInt(raw.strip());
    } catch (NumberFormatException e) {
      throw invalid(name, raw, expected);
    }
    if (value < min || value > max) {
      throw invalid(name, raw, expected);
    }
    return value;
  }

  static ScoringProblem invalid(String name, String raw, String expected) {
    return ScoringProblem.badRequest(
        "parameter '" + name + "' is " + ScoringProblem.echo(raw) + "; expected " + expected);
  }
}
