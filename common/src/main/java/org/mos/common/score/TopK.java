package org.mos.common.score;

/**
 * The top-k selection of ASH and SCALE (METHODS.md §0.4, §2.2): {@code k = n - rint(n p / 100)}
 * with numpy's half-to-even rounding ({@link Math#rint}, not {@link Math#round}), and the indices
 * of the k largest values, the lowest index first among equal values (torch's tie order is
 * unspecified; this rule is ours).
 */
public final class TopK {

  private TopK() {}

  /**
   * How many of {@code n} activations ASH and SCALE keep at percentile {@code p}.
   *
   * @throws IllegalArgumentException when k would be 0 (the reference then divides by zero)
   */
  public static int kept(int n, double p) {
    LinearPercentile.checkPercentile(p);
    int k = n - (int) Math.rint(n * p / 100.0);
    if (k < 1) {
      throw new IllegalArgumentException(
          "percentile "
              + MethodId.number(p)
              + " keeps no activation of "
              + n
              + " (k = "
              + k
              + "); use a lower percentile");
    }
    return k;
  }

  /** Whether each index is among the k largest values of {@code x}. */
  public static boolean[] largest(double[] x, int k) {
    int n = x.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(
        order,
        (a, b) -> {
          int c = Double.compare(x[b], x[a]);
          return c != 0 ? c : Integer.compare(a, b);
        });
    boolean[] top = new boolean[n];
    for (int i = 0; i < Math.min(k, n); i++) {
      top[order[i]] = true;
    }
    return top;
  }
}
