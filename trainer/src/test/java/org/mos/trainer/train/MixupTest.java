package org.mos.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MixupTest {

  @Test
  void lambdaFollowsBetaOfAlphaAlphaForBitsSmallAlpha() {
    SplittableRandom random = new SplittableRandom(1);
    int n = 40_000;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double l = Mixup.lambda(0.1, random);
      assertThat(l).isBetween(0.0, 1.0);
      sum += l;
      sumSq += l * l;
    }
    double mean = sum / n;
    // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)) = 0.2083 for a = 0.1
    assertThat(mean).isCloseTo(0.5, within(0.01));
    assertThat(sumSq / n - mean * mean).isCloseTo(1 / (4 * 1.2), within(0.005));
  }

  @Test
  void mixesEachRowWithItsPermutedPartner() {
    float[] rows = {1, 2, 10, 20};
    float[] mixed = Mixup.mix(rows, 2, new int[] {1, 0}, 0.75);
    assertThat(mixed).containsExactly(3.25f, 6.5f, 7.75f, 15.5f);
  }
}
