package org.mos.common.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.mos.common.TestFixtures;
import org.mos.common.io.NpyArray;

class GroupSoftmaxTest {

  @Test
  void predictsTheGroupWithTheLargestBestProbability() {
    // Groups of sizes 2 and 1: logits [o0 a b | o1 c].
    // Group 0 = [ln 2, 0, 0]: softmax 2/4, 1/4, 1/4 -> best class a (first of a tie), p = 1/4.
    // Group 1 = [0, ln 3]: softmax 1/4, 3/4 -> class c, p = 3/4. Predicted: group 1, class c.
    GroupLayout layout = GroupLayout.ofSizes(2, 1);
    float ln2 = (float) Math.log(2);
    float ln3 = (float) Math.log(3);
    GroupPredictions p = layout.predict(new float[] {ln2, 0, 0, 0, ln3}, 1);
    assertThat(p.group(0)).isEqualTo(1);
    assertThat(p.indexInGroup(0)).isZero();
    assertThat(p.flatClass(0)).isEqualTo(2);
    assertThat(p.probability(0)).isCloseTo(0.75, within(1e-6));
  }

  @Test
  void othersIsNeverPredictedEvenWhenItDominates() {
    // Group 0 = [10, 0, 1]: others dominates but is dropped; best class is b with
    // p = e^1 / (e^10 + 1 + e^1). Group 1 = [10, 0]: p(c) = 1 / (e^10 + 1), smaller.
    GroupLayout layout = GroupLayout.ofSizes(2, 1);
    GroupPredictions p = layout.predict(new float[] {10, 0, 1, 10, 0}, 1);
    assertThat(p.group(0)).isZero();
    assertThat(p.flatClass(0)).isEqualTo(1);
    double e = Math.E;
    assertThat(p.probability(0)).isCloseTo(e / (Math.exp(10) + 1 + e), within(1e-12));
  }

  @Test
  void flatLayoutPredictsTheArgmax() {
    GroupPredictions p = GroupLayout.flat(3).predict(new float[] {0, 2, 1, 5, 4, 3}, 2);
    assertThat(p.flatClasses()).containsExactly(1, 0);
    assertThat(p.groups()).containsExactly(0, 0);
    // softmax of [0, 2, 1] at 2: e^2 / (1 + e^2 + e)
    double e = Math.E;
    assertThat(p.probability(0)).isCloseTo(e * e / (1 + e * e + e), within(1e-12));
  }

  @Test
  void tableLayoutReturnsTheTablesFlatClass() {
    // flat 0 -> (1,0), flat 1 -> (0,0), flat 2 -> (1,1); logits [o0 f1 | o1 f0 f2]
    GroupLayout layout = GroupLayout.ofClassMapping(new int[] {1, 0, 1}, new int[] {0, 0, 1}, null);
    GroupPredictions p = layout.predict(new float[] {0, 0, 0, 1, 3}, 1);
    assertThat(p.group(0)).isEqualTo(1);
    assertThat(p.indexInGroup(0)).isEqualTo(1);
    assertThat(p.flatClass(0)).isEqualTo(2);
  }

  @Test
  void matchesTheNumpyReferenceOnTheScaledDownPaperLayout() {
    checkFixture("group");
  }

  @Test
  void staysFiniteAndCorrectForExtremeLogits() {
    checkFixture("extreme");
  }

  private static void checkFixture(String prefix) {
    GroupLayout layout = GroupLayoutFiles.fromNpy(TestFixtures.npy("scores", "group_sizes.npy"));
    NpyArray logits = TestFixtures.npy("scores", prefix + "_logits.npy");
    GroupPredictions p = layout.predict(logits.toFloats(), logits.shape()[0]);
    assertThat(p.groups())
        .containsExactly(TestFixtures.npy("scores", prefix + "_pred_group.npy").toInts());
    assertThat(p.flatClasses())
        .containsExactly(TestFixtures.npy("scores", prefix + "_pred_class.npy").toInts());
    int[] index = TestFixtures.npy("scores", prefix + "_pred_index.npy").toInts();
    double[] prob = TestFixtures.scores(prefix + "_pred_prob.npy");
    for (int r = 0; r < p.size(); r++) {
      assertThat(p.indexInGroup(r)).as("row %d", r).isEqualTo(index[r]);
      assertThat(p.probability(r)).as("row %d", r).isCloseTo(prob[r], within(1e-12));
    }
  }

  @Test
  void rejectsNonFiniteLogitsNamingRowAndColumn() {
    GroupLayout layout = GroupLayout.ofSizes(1, 1);
    assertThatThrownBy(() -> layout.predict(new float[] {0, 0, 0, 0, 0, 0, Float.NaN, 0}, 2))
        .hasMessage("logit at row 1, column 2 is NaN");
    assertThatThrownBy(() -> layout.predict(new float[] {0, 0, 0}, 1))
        .hasMessageContaining("expected 1 rows of 4 logits");
  }
}
