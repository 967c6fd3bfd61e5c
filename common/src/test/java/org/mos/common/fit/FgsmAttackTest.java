package org.mos.common.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.mos.common.layout.GroupLayout;

class FgsmAttackTest {

  @Test
  void flatCotangentIsSoftmaxMinusTheOneHotOfTheTrueClass() {
    // softmax(0, ln 2, 0) = (1/4, 1/2, 1/4)
    float[] logits = {0, (float) Math.log(2), 0};
    float[] got = FgsmAttack.crossEntropyCotangent(logits, 1, GroupLayout.flat(3));
    assertThat(got[0]).isCloseTo(0.25f, within(1e-7f));
    assertThat(got[1]).isCloseTo(-0.5f, within(1e-7f));
    assertThat(got[2]).isCloseTo(0.25f, within(1e-7f));
  }

  @Test
  void groupCotangentTargetsOthersInTheGroupsThatDoNotHoldTheClass() {
    // groups of 2 and 1 classes: slices (others, a, b) and (others, c); class 2 is c
    GroupLayout layout = GroupLayout.ofSizes(2, 1);
    float[] logits = {0, 0, 0, 0, (float) Math.log(3)};
    float[] got = FgsmAttack.crossEntropyCotangent(logits, 2, layout);
    float[] want = {-2f / 3, 1f / 3, 1f / 3, 0.25f, -0.25f};
    for (int i = 0; i < want.length; i++) {
      assertThat(got[i]).as("logit %d", i).isCloseTo(want[i], within(1e-7f));
    }
  }

  @Test
  void stepsAlongTheSignCountingZeroAsPositiveAndClampsLikeTheReference() {
    FgsmAttack fgsm = FgsmAttack.reference();
    assertThat(fgsm.perturb(0.3f, 0f, 0)).isEqualTo(0.3f + 0.05f);
    assertThat(fgsm.perturb(0.3f, -0f, 0)).isEqualTo(0.3f + 0.05f);
    assertThat(fgsm.perturb(0.3f, -1e-9f, 0)).isEqualTo(0.3f - 0.05f);
    // the reference clamps to [0, 1] although inputs are normalised to [-1, 1]
    assertThat(fgsm.perturb(0.98f, 2f, 0)).isEqualTo(1f);
    assertThat(fgsm.perturb(-0.5f, -2f, 1)).isEqualTo(0f);
    assertThat(fgsm.perturb(-0.5f, 2f, 2)).isEqualTo(0f);
  }

  @Test
  void imageRangeClampsEachChannelToItsNormalisedPixelRange() {
    FgsmAttack fgsm =
        FgsmAttack.imageRange(new float[] {0.5f, 0.5f, 0.25f}, new float[] {0.5f, 0.5f, 0.25f});
    assertThat(fgsm.lower()).containsExactly(-1f, -1f, -1f);
    assertThat(fgsm.upper()).containsExactly(1f, 1f, 3f);
    // two images of 3 x 1 x 1: values i % 3 are the channels
    float[] x = {-0.98f, 0.98f, 2.98f, 0.1f, 0.2f, 0.3f};
    float[] g = {-1, 1, 1, -1, 0, 1};
    float[] got = fgsm.perturb(x, g, 2);
    assertThat(got).containsExactly(-1f, 1f, 3f, 0.1f - 0.05f, 0.2f + 0.05f, 0.3f + 0.05f);
  }

  @Test
  void refusesBadStepsRangesAndShapes() {
    assertThatThrownBy(() -> new FgsmAttack(0f, new float[3], new float[] {1, 1, 1}))
        .hasMessageContaining("positive number but got 0.0");
    assertThatThrownBy(() -> new FgsmAttack(0.05f, new float[] {0, 1, 0}, new float[] {1, 1, 1}))
        .hasMessageContaining("channel 1", "is empty");
    assertThatThrownBy(() -> FgsmAttack.reference().perturb(new float[6], new float[5], 2))
        .hasMessageContaining("are not 2 images of 3 channels");
    assertThatThrownBy(() -> FgsmAttack.crossEntropyCotangent(new float[4], 0, GroupLayout.flat(3)))
        .hasMessageContaining("3 classes but the model has 4 logits");
  }
}
