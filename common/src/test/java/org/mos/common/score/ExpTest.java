package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The softmax's exp against the JDK's (itself within 1 ulp of the true value). */
class ExpTest {

  @Test
  void agreesWithMathExpToAFewUlpsOverTheWholeNonPositiveRange() {
    SplittableRandom rnd = new SplittableRandom(1);
    double worst = 0;
    for (int i = 0; i < 1_000_000; i++) {
      // Mostly small arguments (where softmax mass is), some down to the underflow limit.
      double x = i % 2 == 0 ? -rnd.nextDouble() * 40 : -rnd.nextDouble() * 800;
      double expected = Math.exp(x);
      double actual = Exp.nonPositive(x);
      if (expected == 0) {
        assertThat(actual).isZero();
      } else if (expected >= Double.MIN_NORMAL) {
        worst = Math.max(worst, Math.abs(actual - expected) / Math.ulp(expected));
      } else {
        assertThat(actual).isEqualTo(expected);
      }
    }
    assertThat(worst).as("worst error in ulps").isLessThanOrEqualTo(2.0);
  }

  @Test
  void isExactAtZeroAndHandlesTheEnds() {
    assertThat(Exp.nonPositive(0.0)).isEqualTo(1.0);
    assertThat(Exp.nonPositive(-0.0)).isEqualTo(1.0);
    assertThat(Exp.nonPositive(-800)).isZero();
    assertThat(Exp.nonPositive(Double.NEGATIVE_INFINITY)).isZero();
    assertThat(Exp.nonPositive(-Math.log(2) * 10))
        .isCloseTo(1.0 / 1024, org.assertj.core.api.Assertions.within(1e-18));
  }

  @Test
  void theHandInlinedSumInRowsAgreesWithMathExp() {
    // exp(-0.5 j) for j = 0..1599 reaches the subnormal range and 0 at the end.
    float[] v = new float[1600];
    double expected = 0;
    for (int j = 0; j < v.length; j++) {
      v[j] = -0.5f * j;
      expected += Math.exp(-0.5 * j);
    }
    assertThat(Rows.sumExp(v, 0, v.length, 0, 1))
        .isCloseTo(expected, org.assertj.core.api.Assertions.within(4e-16 * expected));
    // shift and scale: sum_j exp((v_j - 2) / 4) over the first 10
    double scaled = 0;
    for (int j = 0; j < 10; j++) {
      scaled += Math.exp((-0.5 * j - 2) / 4);
    }
    assertThat(Rows.sumExp(v, 0, 10, 2, 0.25))
        .isCloseTo(scaled, org.assertj.core.api.Assertions.within(4e-16 * scaled));
  }
}
