package org.mos.common.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mos.common.fit.MahalanobisTuning.Part;
import org.mos.common.score.MahalanobisMagnitude;

class MahalanobisTuningTest {

  private static final List<MahalanobisMagnitude> GRID =
      List.of(
          new MahalanobisMagnitude(0),
          new MahalanobisMagnitude(0.01),
          new MahalanobisMagnitude(0.005));

  /** One layer: [magnitude][layer = 0][image]. */
  private static double[][][] scores(double[]... perMagnitude) {
    double[][][] out = new double[perMagnitude.length][1][];
    for (int k = 0; k < perMagnitude.length; k++) {
      out[k][0] = perMagnitude[k];
    }
    return out;
  }

  private static double[] range(double from, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = from - i;
    }
    return v;
  }

  private static MahalanobisTuning trainedOnSeparableScores() {
    MahalanobisTuning t = new MahalanobisTuning(GRID, 1);
    // ID scores near 0, FGSM copies far below: the regression learns "low score = OOD"
    double[] id = range(0, 10);
    double[] fgsm = range(-30, 10);
    t.add(Part.TRAIN, false, scores(id, id, id));
    t.add(Part.TRAIN, true, scores(fgsm, fgsm, fgsm));
    return t;
  }

  @Test
  void choosesTheMagnitudeWithTheLowestHeldOutFprAndTheFirstOnTies() {
    MahalanobisTuning t = trainedOnSeparableScores();
    double[] id = range(0, 20);
    // m = 0: the copies score like the ID images (every copy passes); 0.01 and 0.005: separated
    t.add(Part.HELD_OUT, false, scores(id, id, id));
    t.add(Part.HELD_OUT, true, scores(range(0, 20), range(-40, 20), range(-40, 20)));
    MahalanobisTuning.Result r = t.result();
    assertThat(r.trials().get(0).heldOut().fpr95()).isEqualTo(0.95); // 19 of 20 at recall 19/20
    assertThat(r.trials().get(1).heldOut().fpr95()).isZero();
    assertThat(r.trials().get(2).heldOut().fpr95()).isZero();
    assertThat(r.chosen()).isEqualTo(1);
    assertThat(r.best().magnitude().magnitude()).isEqualTo(0.01);
    assertThat(r.best().fit().model().weights()[0]).isNegative();
    assertThat(r.counts()).containsExactly(10, 10, 20, 20);
  }

  @Test
  void aStrictlyLowerFprLaterInTheGridWins() {
    MahalanobisTuning t = trainedOnSeparableScores();
    double[] id = range(0, 20);
    double[] half = new double[20]; // 10 copies score among the ID images, 10 far below
    for (int i = 0; i < 20; i++) {
      half[i] = i < 10 ? -i - 0.5 : -100 - i;
    }
    t.add(Part.HELD_OUT, false, scores(id, id, id));
    t.add(Part.HELD_OUT, true, scores(range(0, 20), half, range(-40, 20)));
    MahalanobisTuning.Result r = t.result();
    assertThat(r.trials().get(1).heldOut().fpr95()).isEqualTo(0.5);
    assertThat(r.chosen()).isEqualTo(2);
  }

  @Test
  void refusesMissingCopiesTooFewImagesAndBadGrids() {
    MahalanobisTuning t = new MahalanobisTuning(GRID, 1);
    double[] id = range(0, 10);
    t.add(Part.TRAIN, false, scores(id, id, id));
    t.add(Part.HELD_OUT, false, scores(id, id, id));
    t.add(Part.HELD_OUT, true, scores(id, id, id));
    assertThatThrownBy(t::result).hasMessageContaining("needs its FGSM copy", "10 training");

    MahalanobisTuning few = new MahalanobisTuning(GRID, 1);
    double[] four = range(0, 4);
    few.add(Part.TRAIN, false, scores(four, four, four));
    few.add(Part.TRAIN, true, scores(four, four, four));
    few.add(Part.HELD_OUT, false, scores(four, four, four));
    few.add(Part.HELD_OUT, true, scores(four, four, four));
    assertThatThrownBy(few::result).hasMessageContaining("at least 5 training images", "got 4");

    assertThatThrownBy(() -> new MahalanobisTuning(List.of(), 1)).hasMessageContaining("grid");
    assertThatThrownBy(
            () ->
                new MahalanobisTuning(
                    List.of(new MahalanobisMagnitude(0), new MahalanobisMagnitude(0)), 1))
        .hasMessageContaining("each once");
    assertThatThrownBy(() -> t.add(Part.TRAIN, true, scores(id)))
        .hasMessageContaining("1 magnitudes but the grid has 3");
  }
}
