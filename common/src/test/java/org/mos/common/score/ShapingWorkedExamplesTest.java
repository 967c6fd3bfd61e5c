package org.mos.common.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of METHODS.md §11 (computed there with numpy and the authors' reference
 * functions, printed to six decimals): ReAct, ASH-P/B/S, SCALE, DICE and GEN, to 1e-6.
 */
class ShapingWorkedExamplesTest {

  private static final double TOL = 1e-6;

  static double[] energies(HeadWeights head, Function<double[], double[]> shaped, double[]... xs) {
    double[][] z = new double[xs.length][];
    for (int i = 0; i < xs.length; i++) {
      z[i] = head.logits(shaped.apply(xs[i]));
    }
    return new EnergyScore().score(z);
  }

  static double[] scores(LogitShaping s, LogitScore score, double[]... xs) {
    double[][] z = new double[xs.length][];
    for (int i = 0; i < xs.length; i++) {
      z[i] = s.logits(xs[i]);
    }
    return score.score(z);
  }

  @Nested
  class Toy {
    final HeadWeights head =
        HeadWeights.of(
            new double[][] {{0.5, -0.2, 0.1, 0.3}, {-0.3, 0.4, 0.2, -0.1}, {0.1, 0.1, -0.4, 0.2}},
            new double[] {0.1, -0.2, 0.05});
    final double[][] train = {
      {1.3, 0.3, 0.0, 0.8},
      {0.9, 0.5, 0.2, 1.1},
      {0.1, 1.4, 0.6, 0.2},
      {0.3, 1.1, 0.9, 0.0},
      {0.7, 0.2, 1.5, 0.4},
      {0.2, 0.6, 1.2, 0.9}
    };
    final double[] x1 = {1.0, 0.4, 0.1, 0.9};
    final double[] x2 = {3.0, 0.1, 0.2, 0.05};

    double[] all() {
      double[] v = new double[24];
      for (int n = 0; n < 6; n++) {
        System.arraycopy(train[n], 0, v, n * 4, 4);
      }
      return v;
    }

    @Test
    void reactClipIsTheLinearNinetiethPercentileOfAllFitActivations() {
      assertThat(LinearPercentile.of(all(), 90)).isCloseTo(1.27, within(TOL));
      assertThat(LinearPercentile.of(all(), 99)).isCloseTo(1.477, within(TOL));
    }

    @Test
    void reactRanksTheSpikingSampleBelowTheIdOne() {
      ReactShaping r = new ReactShaping(head, LinearPercentile.of(all(), 90));
      assertThat(scores(r, new EnergyScore(), x1, x2))
          .containsExactly(new double[] {1.453990, 1.346519}, within(TOL));
      assertThat(scores(new ReactShaping(head, 1.477), new EnergyScore(), x1, x2))
          .containsExactly(new double[] {1.453990, 1.401696}, within(TOL));
    }

    @Test
    void ashAndScaleAtPercentile50KeepTwoOfFour() {
      assertThat(TopK.kept(4, 50)).isEqualTo(2);
      assertThat(AshShaping.shaped(x2, AshShaping.Variant.B, 50))
          .containsExactly(new double[] {1.675, 0, 1.675, 0}, within(TOL));
      assertThat(ash(AshShaping.Variant.P, 50))
          .containsExactly(new double[] {1.466077, 1.903526}, within(TOL));
      assertThat(ash(AshShaping.Variant.B, 50))
          .containsExactly(new double[] {1.589196, 1.469652}, within(TOL));
      assertThat(ash(AshShaping.Variant.S, 50))
          .containsExactly(new double[] {2.989009, 4.454068}, within(TOL));
      assertThat(scores(new ScaleShaping(head, 50), new EnergyScore(), x1, x2))
          .containsExactly(new double[] {2.794759, 4.441611}, within(TOL));
    }

    @Test
    void ashAndScaleAtPercentile65KeepOne() {
      assertThat(ash(AshShaping.Variant.P, 65))
          .containsExactly(new double[] {1.278287, 1.902849}, within(TOL));
      assertThat(ash(AshShaping.Variant.B, 65))
          .containsExactly(new double[] {1.687184, 2.037263}, within(TOL));
      assertThat(ash(AshShaping.Variant.S, 65))
          .containsExactly(new double[] {5.623201, 4.706506}, within(TOL));
      assertThat(scores(new ScaleShaping(head, 65), new EnergyScore(), x1, x2))
          .containsExactly(new double[] {7.825494, 4.747546}, within(TOL));
    }

    @Test
    void percentile62Point5RoundsHalfToEvenAsNumpyDoes() {
      assertThat(TopK.kept(4, 62.5)).isEqualTo(2);
      assertThat(ash(AshShaping.Variant.S, 62.5))
          .containsExactly(new double[] {2.989009, 4.454068}, within(TOL));
    }

    @Test
    void aPercentileKeepingNoActivationIsRefused() {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> TopK.kept(4, 90))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("percentile 90 keeps no activation of 4");
    }

    @Test
    void diceKeepsFourOfTwelveWeightsAtPercentile70() {
      double[] mean = new double[4];
      for (double[] row : train) {
        for (int j = 0; j < 4; j++) {
          mean[j] += row[j] / 6;
        }
      }
      DiceShaping d = new DiceShaping(head, mean, 70);
      assertThat(d.threshold()).isCloseTo(0.136667, within(TOL));
      assertThat(d.keptWeights()).isEqualTo(4);
      assertThat(d.logits(x1)).containsExactly(new double[] {0.87, -0.02, 0.05}, within(TOL));
      assertThat(scores(d, new EnergyScore(), x1, x2))
          .containsExactly(new double[] {1.485773, 1.941053}, within(TOL));
    }

    @Test
    void genOverTheTopMProbabilities() {
      LogitShaping none = new ReactShaping(head, 1e9);
      assertThat(scores(none, new GenScore(0.1, 100), x1, x2))
          .containsExactly(new double[] {-2.545734, -2.420417}, within(TOL));
      assertThat(scores(none, new GenScore(0.1, 2), x1, x2))
          .containsExactly(new double[] {-1.729657, -1.678516}, within(TOL));
      assertThat(scores(none, new GenScore(0.5, 3), x1, x2))
          .containsExactly(new double[] {-1.329924, -1.058095}, within(TOL));
    }

    @Test
    void shapingNeverModifiesTheFeaturesItIsGiven() {
      double[] copy = x2.clone();
      AshShaping.shaped(x2, AshShaping.Variant.S, 50);
      ScaleShaping.scaled(x2, 50);
      ReactShaping.clipped(x2, 1);
      assertThat(x2).containsExactly(copy);
    }

    private double[] ash(AshShaping.Variant v, double p) {
      return scores(new AshShaping(head, v, p), new EnergyScore(), x1, x2);
    }
  }

  @Nested
  class Medium {
    final int d = 2048;
    final HeadWeights head;
    final double[][] x = new double[3][d];
    final double[][] train = new double[20][d];

    Medium() {
      double[][] w = new double[10][d];
      double[] b = new double[10];
      for (int i = 0; i < 10; i++) {
        for (long j = 0; j < d; j++) {
          w[i][(int) j] = (((i * 131L + j * 17) % 199) - 99) / 1000.0;
        }
        b[i] = (i - 4.5) / 100.0;
      }
      head = HeadWeights.of(w, b);
      for (long j = 0; j < d; j++) {
        x[0][(int) j] = (j * 7919 % 2053) / 1000.0;
        x[1][(int) j] = (j * 31 % 2053) / 1000.0;
        x[2][(int) j] = (j * 104729 % 2053) / 1000.0;
        for (long n = 0; n < 20; n++) {
          train[(int) n][(int) j] = ((j * (n + 3) * 101 + n * 977) % 2053) / 1000.0;
        }
      }
      x[2][5] = 40.0;
    }

    double[] scoresOf(LogitShaping s) {
      return scores(s, new EnergyScore(), x);
    }

    @Test
    void reactWithTheNinetiethPercentileOfFortyThousandValues() {
      double[] all = new double[20 * d];
      for (int n = 0; n < 20; n++) {
        System.arraycopy(train[n], 0, all, n * d, d);
      }
      double c = LinearPercentile.of(all, 90);
      assertThat(c).isCloseTo(1.847, within(TOL));
      assertThat(scoresOf(new ReactShaping(head, c)))
          .containsExactly(new double[] {2.286869, 2.956817, 2.806496}, within(TOL));
    }

    @Test
    void ashAndScaleAtPercentiles65And85And90() {
      assertThat(TopK.kept(d, 65)).isEqualTo(717);
      assertThat(TopK.kept(d, 85)).isEqualTo(307);
      assertThat(TopK.kept(d, 90)).isEqualTo(205);
      check(65, AshShaping.Variant.P, 2.490118, 3.858778, 4.773258);
      check(65, AshShaping.Variant.B, 2.873850, 5.935961, 5.112539);
      check(65, AshShaping.Variant.S, 6.029013, 17.839419, 24.787164);
      check(85, AshShaping.Variant.P, 2.722261, 3.167078, 4.322029);
      check(85, AshShaping.Variant.B, 5.816099, 6.823338, 9.924495);
      check(85, AshShaping.Variant.S, 56.575494, 60.091365, 127.598250);
      check(90, AshShaping.Variant.P, 2.304615, 3.030238, 3.552023);
      check(90, AshShaping.Variant.B, 2.801954, 11.158735, 8.687441);
      check(90, AshShaping.Variant.S, 66.588171, 398.631188, 383.812357);
      assertThat(scoresOf(new ScaleShaping(head, 65)))
          .containsExactly(new double[] {4.057911, 10.307798, 19.664661}, within(TOL));
      assertThat(scoresOf(new ScaleShaping(head, 85)))
          .containsExactly(new double[] {22.363550, 65.711767, 111.448477}, within(TOL));
      assertThat(scoresOf(new ScaleShaping(head, 90)))
          .containsExactly(new double[] {116.801487, 342.038976, 470.559796}, within(TOL));
    }

    private void check(double p, AshShaping.Variant v, double... expected) {
      assertThat(scoresOf(new AshShaping(head, v, p)))
          .as("ASH-%s p %s", v, p)
          .containsExactly(expected, within(TOL));
    }

    @Test
    void diceAtPercentile70Keeps6144Weights() {
      double[] mean = new double[d];
      for (double[] row : train) {
        for (int j = 0; j < d; j++) {
          mean[j] += row[j] / 20;
        }
      }
      DiceShaping dice = new DiceShaping(head, mean, 70);
      assertThat(dice.threshold()).isCloseTo(0.040258, within(TOL));
      assertThat(dice.keptWeights()).isEqualTo(6144);
      assertThat(scoresOf(dice))
          .containsExactly(new double[] {46.073526, 46.325779, 46.997984}, within(TOL));
    }

    @Test
    void genWithMOf5AndOfAll() {
      LogitShaping none = new ReactShaping(head, 1e9);
      assertThat(scores(none, new GenScore(0.1, 5), x))
          .containsExactly(new double[] {-4.051568, -4.066989, -3.778760}, within(TOL));
      assertThat(scores(none, new GenScore(0.1, 100), x))
          .containsExactly(new double[] {-7.747294, -7.482290, -6.253601}, within(TOL));
    }
  }
}
