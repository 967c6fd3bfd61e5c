package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.layout.GroupLayout;

class MethodIdTest {

  private static final HeadWeights TOY =
      HeadWeights.of(
          new double[][] {{0.5, -0.2, 0.1, 0.3}, {-0.3, 0.4, 0.2, -0.1}, {0.1, 0.1, -0.4, 0.2}},
          new double[] {0.1, -0.2, 0.05});

  @Test
  void aShapingAloneIsScoredByEnergyAndEnergyPlusShapingIsTheSameId() {
    MethodId a = MethodId.parse("react");
    MethodId b = MethodId.parse(" Energy+ReAct ");
    assertThat(a.score()).isEqualTo(ScoreMethod.ENERGY);
    assertThat(a.shaping()).isEqualTo(ScoreMethod.REACT);
    assertThat(b.id()).isEqualTo("react");
    assertThat(a).isEqualTo(b);
    assertThat(a.isPlain()).isTrue();
  }

  @Test
  void combinationsAndParametersHaveOneCanonicalSpelling() {
    assertThat(MethodId.parse("mos+react").id()).isEqualTo("mos+react");
    assertThat(MethodId.parse("mos react").id()).as("a URL-decoded '+'").isEqualTo("mos+react");
    assertThat(MethodId.parse("MSP+SCALE@p=85.0").id()).isEqualTo("msp+scale@p=85");
    assertThat(MethodId.parse("gen+ash-s@p=80@gamma=0.50").id())
        .isEqualTo("gen+ash-s@gamma=0.5@p=80");
    assertThat(MethodId.parse("mos+react").label()).isEqualTo("MOS + ReAct");
    assertThat(MethodId.parse("ash-s@p=85").label()).isEqualTo("ASH-S (p 85)");
    assertThat(MethodId.parse("mos+react").paperRow()).isEqualTo(ScoreMethod.REACT.paperRow());
  }

  @Test
  void badPartsAreNamedWithWhatIsAccepted() {
    assertThatThrownBy(() -> MethodId.parse("mos+relu"))
        .hasMessageStartingWith("unknown score method 'relu' in 'mos+relu'; known: mos, msp");
    assertThatThrownBy(() -> MethodId.parse("react+mos"))
        .hasMessageContaining("'mos' is not an activation shaping")
        .hasMessageContaining("react, ash-p, ash-b, ash-s, scale, dice");
    assertThatThrownBy(() -> MethodId.parse("odin+react"))
        .hasMessageContaining("'odin' cannot follow a shaping");
    assertThatThrownBy(() -> MethodId.parse("ash-p+react"))
        .hasMessageContaining("'ash-p' cannot follow a shaping");
    assertThatThrownBy(() -> MethodId.parse("msp+react+dice"))
        .hasMessageContaining("more than one shaping");
    assertThatThrownBy(() -> MethodId.parse("react@p=90"))
        .hasMessageContaining("parameter 'p=90' is not name=value with a name of [clip]");
    assertThatThrownBy(() -> MethodId.parse("msp@p=90"))
        .hasMessageContaining("this method takes no parameter");
    assertThatThrownBy(() -> MethodId.parse("ash-b@p=ninety"))
        .hasMessageContaining("parameter p is 'ninety', not a number");
  }

  @Test
  void parametersOverrideTheBundlesWhichOverrideTheDefaults() {
    double[] x2 = {3.0, 0.1, 0.2, 0.05};
    ModelOutputs out =
        new ModelOutputs(
            FloatMatrix.ofRows(new double[][] {TOY.logits(x2)}),
            FloatMatrix.ofRows(new double[][] {x2}),
            java.util.List.of());
    ScoreSettings stored =
        ScoreSettings.builder().head(TOY).parameters("react", Map.of("clip", 1.27)).build();
    // METHODS.md §11.1: c = 1.27 gives 1.346519, c = 1.477 gives 1.401696 (float32 inputs)
    assertThat(MethodId.parse("react").create(stored).score(out)[0])
        .isCloseTo(1.346519, within(1e-5));
    assertThat(MethodId.parse("react@clip=1.477").create(stored).score(out)[0])
        .isCloseTo(1.401696, within(1e-5));
    assertThat(MethodId.parse("ash-b@p=50").create(stored).score(out)[0])
        .isCloseTo(1.469652, within(1e-5));
  }

  @Test
  void missingStateIsRefusedNamingTheFitOption() {
    ScoreSettings headOnly = ScoreSettings.builder().head(TOY).build();
    assertThat(MethodId.parse("react").supportedBy(headOnly)).isFalse();
    assertThat(MethodId.parse("react@clip=1").supportedBy(headOnly)).isTrue();
    assertThatThrownBy(() -> MethodId.parse("react").create(headOnly))
        .hasMessageContaining("mos fit --react-fit");
    assertThatThrownBy(() -> MethodId.parse("dice").create(headOnly))
        .hasMessageContaining("mos fit --dice-fit");
    assertThatThrownBy(() -> MethodId.parse("scale").create(ScoreSettings.none()))
        .hasMessageContaining("needs the classifier head");
    assertThat(MethodId.parse("mos+scale").supportedBy(headOnly)).isFalse();
  }

  @Test
  void mosAfterShapingScoresTheGroupSoftmaxOfTheShapedLogits() {
    GroupLayout layout = GroupLayout.ofSizes(new int[] {2});
    HeadWeights head =
        HeadWeights.of(new double[][] {{1, 0}, {0, 1}, {1, 1}}, new double[] {0, 0, 0});
    double[] f = {2, 0.5};
    ScoreSettings s =
        ScoreSettings.builder()
            .layout(layout)
            .head(head)
            .parameters("react", Map.of("clip", 1.0))
            .build();
    // clipped f = (1, 0.5), logits (1, 0.5, 1.5); one group whose first logit is "others":
    // MOS = -softmax(z)[others] = -e^1 / (e^1 + e^0.5 + e^1.5)
    double expected = -Math.exp(1) / (Math.exp(1) + Math.exp(0.5) + Math.exp(1.5));
    ModelOutputs out =
        new ModelOutputs(
            FloatMatrix.ofRows(new double[][] {head.logits(f)}),
            FloatMatrix.ofRows(new double[][] {f}),
            java.util.List.of());
    assertThat(MethodId.parse("mos+react").create(s).score(out)[0])
        .isCloseTo(expected, within(1e-6));
  }
}
