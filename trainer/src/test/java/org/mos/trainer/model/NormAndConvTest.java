package org.mos.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NormAndConvTest {

  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private float[] forward(ai.djl.nn.Block block, NDArray x) {
    NDList out = block.forward(new ParameterStore(manager, false), new NDList(x), false);
    return out.singletonOrThrow().toFloatArray();
  }

  @Test
  void stdConvStandardisesEachOutputChannelsKernel() {
    StdConv2d conv = StdConv2d.builder().setFilters(1).setKernelSize(1).build();
    conv.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 1, 1));
    // kernel (1, 3): mean 2, biased variance 1 -> standardised (-1, 1)
    conv.weight().getArray().set(FloatBuffer.wrap(new float[] {1, 3}));
    float[] out = forward(conv, manager.create(new float[] {5, 7}, new Shape(1, 2, 1, 1)));
    assertThat(out).containsExactly(new float[] {2f}, within(1e-6f));
  }

  @Test
  void groupNormNormalisesEachGroupThenAppliesThePerChannelAffine() {
    GroupNorm norm = GroupNorm.builder().optGroups(2).build();
    norm.initialize(manager, DataType.FLOAT32, new Shape(1, 4, 1, 1));
    norm.gamma().getArray().set(FloatBuffer.wrap(new float[] {1, 2, 1, 1}));
    norm.beta().getArray().set(FloatBuffer.wrap(new float[] {0, 0, 0, 0.5f}));
    float[] out = forward(norm, manager.create(new float[] {1, 3, 10, 14}, new Shape(1, 4, 1, 1)));
    // group (1, 3): mean 2, var 1; group (10, 14): mean 12, var 4; eps 1e-5
    double a = 1 / Math.sqrt(1 + 1e-5);
    double b = 2 / Math.sqrt(4 + 1e-5);
    assertThat(out)
        .containsExactly(
            new float[] {(float) -a, (float) (2 * a), (float) -b, (float) (b + 0.5)},
            within(1e-6f));
  }

  @Test
  void groupNormRejectsChannelsThatDoNotSplitIntoItsGroups() {
    GroupNorm norm = GroupNorm.builder().build();
    assertThatThrownBy(() -> norm.initialize(manager, DataType.FLOAT32, new Shape(1, 48, 2, 2)))
        .hasMessageContaining("32 groups")
        .hasMessageContaining("48 channels");
  }
}
