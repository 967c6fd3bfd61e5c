package org.mos.common.metrics;

/**
 * The two-sample Kolmogorov-Smirnov test: D = sup |F_a(x) - F_b(x)| between the empirical
 * distribution functions of two samples, and its asymptotic p-value from Kolmogorov's limiting
 * distribution at sqrt(n m / (n + m)) D (SciPy's {@code kstwobign.sf}; good for samples of a few
 * dozen and more, which is how drift monitoring uses it).
 */
public final class KolmogorovSmirnov {

  private KolmogorovSmirnov() {}

  /**
   * D for two samples, each sorted ascending (NaN-free). Ties are handled as the empirical
   * distribution functions define them: both step at a shared value before they are compared.
   */
  public static double statistic(double[] sortedA, double[] sortedB) {
    if (sortedA.length == 0 || sortedB.length == 0) {
      throw new IllegalArgumentException(
          "the KS statistic needs two non-empty samples, got "
              + sortedA.length
              + " and "
              + sortedB.length
              + " values");
    }
    int i = 0;
    int j = 0;
    double n = sortedA.length;
    double m = sortedB.length;
    double d = 0;
    while (i < sortedA.length && j < sortedB.length) {
      double x = Math.min(sortedA[i], sortedB[j]);
      while (i < sortedA.length && sortedA[i] <= x) {
        i++;
      }
      while (j < sortedB.length && sortedB[j] <= x) {
        j++;
      }
      d = Math.max(d, Math.abs(i / n - j / m));
    }
    return d;
  }

  /** The asymptotic two-sided p-value of D for samples of sizes {@code n} and {@code m}. */
  public static double pValue(double d, int n, int m) {
    double en = (double) n * m / ((double) n + m);
    return kolmogorovSurvival(Math.sqrt(en) * d);
  }

  /** P(K > x) for Kolmogorov's limiting distribution K. */
  static double kolmogorovSurvival(double x) {
    if (x <= 0) {
      return 1;
    }
    if (x < 1) {
      // the series of the distribution function converges fast for small x
      double s = 0;
      double c = Math.PI * Math.PI / (8 * x * x);
      for (int k = 1; k <= 20; k += 2) {
        s += Math.exp(-k * k * c);
      }
      return 1 - Math.sqrt(2 * Math.PI) / x * s;
    }
    double s = 0;
    for (int k = 1; k <= 100; k++) {
      double term = Math.exp(-2.0 * k * k * x * x);
      s += (k % 2 == 1 ? term : -term);
      if (term < 1e-17) {
        break;
      }
    }
    return Math.min(1, Math.max(0, 2 * s));
  }
}
