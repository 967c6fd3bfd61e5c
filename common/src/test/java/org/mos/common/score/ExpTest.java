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
}
