package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.mos.common.layout.GroupLayout;

class ScoreMethodTest {

  @Test
  void registryHoldsThePapersMethods() {
    assertThat(Arrays.stream(ScoreMethod.values()).map(ScoreMethod::id))
        .containsExactly(
            "mos",
            "msp",
            "maxlogit",
            "energy",
            "odin",
            "kl",
            "mahalanobis",
            "react",
            "ash-p",
            "ash-b",
            "ash-s",
            "scale",
            "dice",
            "gen",
            "knn",
            "vim");
    for (ScoreMethod m : ScoreMethod.values()) {
      assertThat(ScoreMethod.byId(m.id())).isEqualTo(m);
    }
  }

  @Test
  void tableOrderAndLabelsAreThePapersThenMaxLogit() {
    assertThat(ScoreMethod.inTableOrder().stream().map(ScoreMethod::label))
        .containsExactly(
            "MSP",
            "ODIN",
            "Mahalanobis",
            "Energy",
            "KL matching",
            "MOS",
            "MaxLogit",
            "ReAct",
            "ASH-P",
            "ASH-B",
            "ASH-S",
            "SCALE",
            "DICE",
            "GEN",
            "KNN",
            "ViM");
    assertThat(ScoreMethod.MAHALANOBIS.needs(ScoreMethod.Need.LAYER_FEATURES)).isTrue();
    assertThat(ScoreMethod.MAHALANOBIS.needsOnlyLogits()).isFalse();
    assertThat(ScoreMethod.MOS.needs(ScoreMethod.Need.GROUP_LAYOUT)).isTrue();
    assertThat(ScoreMethod.MSP.needs()).containsExactly(ScoreMethod.Need.LOGITS);
  }

  @Test
  void aMethodIsSupportedOnlyWhenTheSettingsHoldWhatItNeeds() {
    assertThat(ScoreMethod.MOS.supportedBy(ScoreSettings.none())).isFalse();
    assertThat(ScoreMethod.KL.supportedBy(ScoreSettings.none())).isFalse();
    assertThat(ScoreMethod.MAHALANOBIS.supportedBy(ScoreSettings.none())).isFalse();
    assertThat(ScoreMethod.ENERGY.supportedBy(ScoreSettings.none())).isTrue();
    assertThat(
            ScoreMethod.MOS.supportedBy(
                ScoreSettings.builder().layout(GroupLayout.ofSizes(2, 2)).build()))
        .isTrue();
  }

  @Test
  void modelOutputsRefuseFeaturesOfAnotherBatch() {
    assertThatThrownBy(
            () ->
                new ModelOutputs(
                    FloatMatrix.copyOf(new float[2], 1, 2),
                    FloatMatrix.copyOf(new float[6], 2, 3),
                    java.util.List.of()))
        .hasMessageContaining("the features have 2 rows but the logits 1");
  }

  @Test
  void createdScoresCarryTheirIdAndDefaults() {
    ScoreSettings layout = ScoreSettings.builder().layout(GroupLayout.ofSizes(2, 2)).build();
    for (ScoreMethod m : ScoreMethod.values()) {
      if (m.needsOnlyLogits() && m != ScoreMethod.KL) {
        assertThat(m.create(layout).id()).isEqualTo(m.id());
      }
    }
    assertThat(((OdinScore) ScoreMethod.ODIN.create(layout)).temperature()).isEqualTo(1000);
    assertThat(((EnergyScore) ScoreMethod.ENERGY.create(layout)).temperature()).isEqualTo(1);
  }

  @Test
  void unknownIdsAndMissingSettingsAreNamed() {
    assertThatThrownBy(() -> ScoreMethod.byId("nope"))
        .hasMessage(
            "unknown score method 'nope'; known: mos, msp, maxlogit, energy, odin, kl, mahalanobis,"
                + " react, ash-p, ash-b, ash-s, scale, dice, gen, knn, vim");
    assertThatThrownBy(() -> ScoreMethod.KNN.create(ScoreSettings.none()))
        .hasMessageContaining("'knn' needs a fitted feature bank (mos fit --knn-fit)");
    assertThatThrownBy(() -> ScoreMethod.VIM.create(ScoreSettings.none()))
        .hasMessageContaining("'vim' needs fitted ViM statistics (mos fit --vim-fit)");
    assertThatThrownBy(() -> ScoreMethod.MOS.create(ScoreSettings.none()))
        .hasMessage("score method 'mos' needs a group layout");
    assertThatThrownBy(() -> ScoreMethod.KL.create(ScoreSettings.none()))
        .hasMessageContaining("'kl' needs fitted class-mean softmax vectors");
    assertThatThrownBy(() -> ScoreMethod.MAHALANOBIS.create(ScoreSettings.none()))
        .hasMessageContaining("'mahalanobis' needs fitted Mahalanobis statistics");
  }

  @Test
  void logitScoresRefuseOutputsWithoutLogits() {
    assertThatThrownBy(
            () ->
                new MaxLogit()
                    .score(
                        ModelOutputs.ofFeatures(
                            java.util.List.of(FloatMatrix.copyOf(new float[] {1}, 1, 1)))))
        .hasMessage("score 'maxlogit' needs logits but none were given");
  }

  @Test
  void klRejectsZeroMeansAndMismatchedWidths() {
    assertThatThrownBy(
            () ->
                new KlClassMeans(
                    KlLabelSource.TRUE_LABELS, new int[] {0}, new double[][] {{1.0, 0.0}}))
        .hasMessageContaining("class 0 has entry 0.0 at 1");
    KlMatchingScore kl =
        new KlMatchingScore(
            new KlClassMeans(
                KlLabelSource.TRUE_LABELS, new int[] {0}, new double[][] {{0.5, 0.5}}));
    assertThatThrownBy(() -> kl.score(FloatMatrix.copyOf(new float[3], 1, 3)))
        .hasMessage("kl: the class means have 2 entries but the logits have 3 columns");
    assertThatThrownBy(
            () ->
                OneShotFits.klClassMeans(
                    FloatMatrix.copyOf(new float[4], 2, 2),
                    new int[] {0},
                    KlLabelSource.TRUE_LABELS))
        .hasMessage("fitting by true labels needs one label per row: 2 rows but 1 labels");
  }
}
