package org.mos.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mos.common.layout.GroupLayout;

class SoftmaxLossTest {

  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  @Test
  void flatLossIsTheBatchMeanCrossEntropy() {
    NDArray logits = manager.create(new float[] {1, 2, 3, 0, 0, 0}, new Shape(2, 3));
    NDArray labels = manager.create(new long[] {2, 1});
    // row 1: log(1 + e^-1 + e^-2) = 0.4076060; row 2: log 3 = 1.0986123 (worked by hand)
    assertThat(SoftmaxLoss.flat().loss(logits, labels).getFloat())
        .isCloseTo(0.7531091f, within(1e-6f));
  }

  @Test
  void groupLossSumsTheSliceCrossEntropiesAndAveragesOverTheBatch() {
    GroupLayout layout = GroupLayout.ofSizes(2, 1); // slices [others, a, b] [others, c]
    NDArray logits =
        manager.create(new float[] {0, 1, 2, 0.5f, -0.5f, 3, 0, 0, 0, 2}, new Shape(2, 5));
    // row 1 is class b of group 0: labels (2, 0); row 2 is class c of group 1: labels (0, 1)
    NDArray labels = manager.create(new long[] {2, 0, 0, 1}, new Shape(2, 2));
    // row 1: log(1+e^-1+e^-2) + log(1+e^-1) = 0.4076060 + 0.3132617
    // row 2: log(1+2e^-3) + log(1+e^-2) = 0.0949213 + 0.1269280
    assertThat(SoftmaxLoss.grouped(layout).loss(logits, labels).getFloat())
        .isCloseTo(0.4713593f, within(1e-6f));
  }

  @Test
  void groupLossRejectsAModelWhoseHeadDoesNotFitTheLayout() {
    NDArray logits = manager.zeros(new Shape(1, 4));
    NDArray labels = manager.create(new long[] {1, 0}, new Shape(1, 2));
    assertThatThrownBy(() -> SoftmaxLoss.grouped(GroupLayout.ofSizes(2, 1)).loss(logits, labels))
        .hasMessageContaining("5 logits")
        .hasMessageContaining("the model has 4 logits");
  }
}
