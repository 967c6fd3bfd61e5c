package org.mos.common.score;

/**
 * exp(x) for x &lt;= 0, the only arguments a max-shifted softmax produces, about twice as fast as
 * {@link Math#exp} and accurate to a few units in the last place (see ExpTest).
 *
 * <p>exp(x) = 2^k exp(r) with k = round(x / ln 2) and |r| &lt;= ln 2 / 2; exp(r) is its Taylor
 * polynomial of degree 13 (truncation error below 5e-18), 2^k is built from its exponent bits.
 */
final class Exp {

  static final double LOG2E = 1.4426950408889634;

  /** ln 2 split so that k * LN2_HI is exact for |k| &lt; 2^11 (Cody and Waite). */
  static final double LN2_HI = 0.6931471803691238;

  static final double LN2_LO = 1.9082149292705877e-10;

  /** Below this 2^k would be subnormal; Math.exp handles that rare range. */
  static final double NORMAL_LIMIT = -708.0;

  private Exp() {}

  static double nonPositive(double x) {
    if (x < NORMAL_LIMIT) {
      return Math.exp(x);
    }
    double k = Math.rint(x * LOG2E);
    double r = (x - k * LN2_HI) - k * LN2_LO;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r * r + r;
    return (1.0 + p) * Double.longBitsToDouble(((long) k + 1023) << 52);
  }
}
