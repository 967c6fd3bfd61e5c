package org.mos.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Hand-worked cases. The running example: ID = {0.9, 0.8, 0.4}, OOD = {0.8, 0.1}. Its distinct
 * thresholds, highest first, with (ID, OOD) at or above each: 0.9 (1, 0), 0.8 (2, 1), 0.4 (3, 1),
 * 0.1 (3, 2).
 */
class ScoreRankingTest {

  private static final double[] ID = {0.9, 0.8, 0.4};
  private static final double[] OOD = {0.8, 0.1};
  private static final double EPS = 1e-15;

  @Test
  void aurocCountsTiesAsOneHalf() {
    // OOD 0.8: one ID above (0.9) and one tied (0.8) -> 1.5; OOD 0.1: three ID above -> 3.
    // (1.5 + 3) / (3 * 2) = 0.75.
    assertThat(ScoreRanking.of(ID, OOD).auroc()).isEqualTo(0.75);
  }

  @Test
  void paperAuprInIsTheStepwiseAveragePrecisionWithIdPositive() {
    // Recall steps of 1/3 at 0.9 (precision 1/1), 0.8 (2/3) and 0.4 (3/4):
    // 1/3 * (1 + 2/3 + 3/4) = 29/36.
    OodMetrics m = OodMetrics.compute(ID, OOD, Convention.PAPER);
    assertThat(m.auprIn()).isCloseTo(29.0 / 36, within(EPS));
  }

  @Test
  void paperAuprOutIsTheStepwiseAveragePrecisionWithOodPositiveAndNegatedScores() {
    // From the lowest score up: 0.1 adds OOD recall 1/2 at precision 1/1; 0.4 adds an ID sample;
    // 0.8 adds OOD recall 1/2 at precision 2/4. 1/2 * 1 + 1/2 * 1/2 = 3/4.
    OodMetrics m = OodMetrics.compute(ID, OOD, Convention.PAPER);
    assertThat(m.auprOut()).isCloseTo(0.75, within(EPS));
  }

  @Test
  void paperFpr95TakesTheThresholdWithRecallClosestTo95Percent() {
    // Recalls 1/3, 2/3, 1 (full recall first reached at 0.4); |1 - 0.95| is the smallest distance,
    // and one of the two OOD scores is at or above 0.4: FPR95 = 1/2.
    OodMetrics m = OodMetrics.compute(ID, OOD, Convention.PAPER);
    assertThat(m.fpr95()).isEqualTo(0.5);
  }

  @Test
  void paperFpr95BreaksEqualDistancesTowardTheLowestThreshold() {
    // ID: 19 scores 10..28 and one at 0; OOD: 1, 2, 3, 4, -1, -2. The thresholds 4, 3, 2, 1 and
    // 10 all have ID recall 19/20 = 0.95 (distance 0). The reference walks from the full-recall
    // threshold (0) upwards and keeps the first minimum: threshold 1, where 4 of the 6 OOD
    // scores are accepted. FPR95 = 4/6, not the 0/6 of the highest threshold with recall 0.95.
    double[] id = new double[20];
    for (int i = 0; i < 19; i++) {
      id[i] = 10 + i;
    }
    double[] ood = {1, 2, 3, 4, -1, -2};
    assertThat(OodMetrics.compute(id, ood, Convention.PAPER).fpr95()).isEqualTo(4.0 / 6);
  }

  @Test
  void openOodAurprAreTrapezoidsFromThePointRecallZeroPrecisionOne() {
    // AUPR-In, ID positive, points (recall, precision) from (0, 1): (1/3, 1), (2/3, 2/3),
    // (1, 3/4), (1, 3/5). Trapezoids: 1/3 * (1 + 1)/2 + 1/3 * (1 + 2/3)/2 + 1/3 * (2/3 + 3/4)/2
    // = 1/3 + 5/18 + 17/72 = 61/72.
    // AUPR-Out, OOD positive from the lowest score: (1/2, 1), (1/2, 1/2), (1, 2/4), (1, 2/5):
    // 1/2 * (1 + 1)/2 + 0 + 1/2 * (1/2 + 1/2)/2 = 3/4.
    OodMetrics m = OodMetrics.compute(ID, OOD, Convention.OPENOOD);
    assertThat(m.auprIn()).isCloseTo(61.0 / 72, within(EPS));
    assertThat(m.auprOut()).isCloseTo(0.75, within(EPS));
    assertThat(m.auroc()).isEqualTo(0.75);
  }

  @Test
  void openOodFpr95IsTheIdShareFlaggedWhen95PercentOfOodAreDetected() {
    // OOD positive, from the lowest score: at 0.1 OOD TPR 1/2, at 0.4 still 1/2, at 0.8 TPR 1,
    // where the ID scores 0.8 and 0.4 are flagged too: FPR = 2/3.
    assertThat(OodMetrics.compute(ID, OOD, Convention.OPENOOD).fpr95()).isEqualTo(2.0 / 3);
  }

  @Test
  void openOodFpr95SkipsThePointsRocCurveDropsOnAStraightSegment() {
    // ID and OOD both 0..19: every threshold adds one ID and one OOD, so the ROC is the diagonal;
    // roc_curve keeps only its ends, and the first kept point with TPR >= 0.95 is (1, 1).
    double[] scores = new double[20];
    for (int i = 0; i < 20; i++) {
      scores[i] = i;
    }
    assertThat(OodMetrics.compute(scores, scores, Convention.OPENOOD).fpr95()).isEqualTo(1.0);
    // The paper's rule has no such dropping: recall 19/20 at threshold 1 accepts 19 of 20 OOD.
    assertThat(OodMetrics.compute(scores, scores, Convention.PAPER).fpr95()).isEqualTo(0.95);
  }

  @Test
  void allEqualScoresGiveAChanceLevelRanking() {
    // One threshold holding 5 ID and 3 OOD: AUROC 1/2; AP with ID positive = precision 5/8;
    // AP with OOD positive = 3/8; FPR95 = every OOD accepted = 1.
    double[] id = {1.5, 1.5, 1.5, 1.5, 1.5};
    double[] ood = {1.5, 1.5, 1.5};
    OodMetrics m = OodMetrics.compute(id, ood, Convention.PAPER);
    assertThat(m).isEqualTo(new OodMetrics(0.5, 5.0 / 8, 3.0 / 8, 1.0));
  }

  @Test
  void perfectlySeparatedAndReversedScoresReachTheBounds() {
    OodMetrics separated =
        OodMetrics.compute(new double[] {2}, new double[] {-1}, Convention.PAPER);
    assertThat(separated).isEqualTo(new OodMetrics(1, 1, 1, 0));
    // Reversed single pair: AUROC 0; the ID sample is found only after the OOD one, precision 1/2.
    OodMetrics reversed =
        OodMetrics.compute(new double[] {0.3}, new double[] {0.7}, Convention.PAPER);
    assertThat(reversed).isEqualTo(new OodMetrics(0, 0.5, 0.5, 1));
  }

  @Test
  void negativeZeroTiesWithZero() {
    // One ID and one OOD score, tied at zero with different signs: AUROC is 1/2, not 0 or 1.
    assertThat(ScoreRanking.of(new double[] {-0.0}, new double[] {0.0}).auroc()).isEqualTo(0.5);
    assertThat(ScoreRanking.of(new double[] {0.0, -0.0}, new double[] {1}).thresholdCount())
        .isEqualTo(2);
  }

  @Test
  void operatingPointKeepsAtLeastTheTargetShareOfIdAtTheLargestThreshold() {
    // 50% of 3 ID scores needs 2 of them: threshold 0.8 (the 2nd highest), TPR 2/3, and the OOD
    // score 0.8 is at or above it: FPR 1/2. 95% needs all 3: threshold 0.4, FPR 1/2.
    ScoreRanking r = ScoreRanking.of(ID, OOD);
    assertThat(r.operatingPointAtTpr(0.5)).isEqualTo(new OperatingPoint(0.8, 2.0 / 3, 0.5));
    assertThat(r.operatingPointAtTpr(0.95)).isEqualTo(new OperatingPoint(0.4, 1.0, 0.5));
    assertThat(r.fprAtTpr(0.3)).isEqualTo(0.0);
  }

  @Test
  void operatingPointTakesTheShareAsADivisionNotARoundedProduct() {
    // 0.95 of 20 ID scores is 19 (19 / 20 == 0.95 in doubles), so the threshold is the 19th
    // highest score, 2, and only the lowest ID score (1) is rejected.
    double[] id = new double[20];
    for (int i = 0; i < 20; i++) {
      id[i] = 20 - i;
    }
    OperatingPoint p = ScoreRanking.of(id, new double[] {1.5}).operatingPointAtTpr(0.95);
    assertThat(p).isEqualTo(new OperatingPoint(2, 0.95, 0.0));
  }

  @Test
  void rejectsTprTargetsOutsideTheUnitInterval() {
    ScoreRanking r = ScoreRanking.of(ID, OOD);
    assertThatThrownBy(() -> r.operatingPointAtTpr(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0.0")
        .hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> r.operatingPointAtTpr(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rocCurveStartsAtInfinityAndHasOnePointPerDistinctScore() {
    RocCurve roc = ScoreRanking.of(ID, OOD).rocCurve();
    assertThat(roc.thresholds()).containsExactly(Double.POSITIVE_INFINITY, 0.9, 0.8, 0.4, 0.1);
    assertThat(roc.tpr()).containsExactly(0, 1.0 / 3, 2.0 / 3, 1, 1);
    assertThat(roc.fpr()).containsExactly(0, 0, 0.5, 0.5, 1);
  }

  @Test
  void rejectsEmptyScoresNamingTheSet() {
    assertThatThrownBy(() -> ScoreRanking.of(new double[0], OOD))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ID scores are empty");
    assertThatThrownBy(() -> ScoreRanking.of(ID, new double[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OOD scores are empty");
  }

  @Test
  void rejectsNanNamingTheSetAndIndex() {
    assertThatThrownBy(() -> ScoreRanking.of(ID, new double[] {0.1, 0.2, Double.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the OOD score at index 2 is NaN: expected a number");
    assertThatThrownBy(() -> ScoreRanking.of(new double[] {Double.NaN}, OOD))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ID score at index 0");
  }

  @Test
  void doesNotModifyTheCallersArrays() {
    double[] id = {0.4, 0.9, 0.8};
    ScoreRanking.of(id, OOD);
    assertThat(id).containsExactly(0.4, 0.9, 0.8);
  }
}
