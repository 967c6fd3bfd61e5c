package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OdinSettingsTest {

  @Test
  void cotangentIsSoftmaxOverTMinusOneHotOfTheFirstMaximumOverT() {
    OdinSettings odin = new OdinSettings(0.01, 2);
    // logits (1, 3, 3): ties go to the first maximum (index 1); softmax((.5, 1.5, 1.5))
    float[] v = odin.cotangent(new float[] {1, 3, 3});
    double e = Math.exp(-1);
    double sum = e + 2;
    assertThat(v[0]).isCloseTo((float) (e / sum / 2), within(1e-7f));
    assertThat(v[1]).isCloseTo((float) ((1 / sum - 1) / 2), within(1e-7f));
    assertThat(v[2]).isCloseTo((float) (1 / sum / 2), within(1e-7f));
  }

  @Test
  void stepsAgainstTheGradientSignCountingZeroAsPositive() {
    OdinSettings odin = new OdinSettings(0.25, 1000);
    assertThat(odin.perturb(1f, 3e-9f)).isEqualTo(0.75f);
    assertThat(odin.perturb(1f, -3e-9f)).isEqualTo(1.25f);
    assertThat(odin.perturb(1f, 0f)).isEqualTo(0.75f);
    assertThat(odin.perturb(1f, -0f)).isEqualTo(0.75f);
  }

  @Test
  void rejectsNegativeEpsilonAndNonPositiveTemperature() {
    assertThatThrownBy(() -> new OdinSettings(-0.1, 1000))
        .hasMessageContaining("epsilon")
        .hasMessageContaining("-0.1");
    assertThatThrownBy(() -> new OdinSettings(0.1, 0)).hasMessageContaining("temperature");
    assertThat(OdinSettings.PAPER_DEFAULT.perturbs()).isFalse();
  }
}
