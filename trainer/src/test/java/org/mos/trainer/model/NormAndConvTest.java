package org.mos.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
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
  void standardisedKernelHasTheGradientOfTheAnalyticFormula() {
    // two output channels of four weights each; loss = sum(standardised * c)
    float[] w = {1, 4, 2, 7, 3, -1, 0, 2.5f};
    float[] c = {0.5f, -1, 2, 0.25f, -0.75f, 1.5f, 1, -2};
    NDArray kernel = manager.create(w, new Shape(2, 2, 2, 1));
    kernel.setRequiresGradient(true);
    try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
      NDArray standardised = StdConv2d.standardise(kernel);
      collector.backward(standardised.mul(manager.create(c, new Shape(2, 2, 2, 1))).sum());
    }
    float[] grad = kernel.getGradient().toFloatArray();
    // per row, with xhat = (w - mean) / s and s = sqrt(biased variance + 1e-10):
    // dL/dw = (c - mean(c) - xhat * mean(c * xhat)) / s
    for (int row = 0; row < 2; row++) {
      double mean = 0;
      double meanC = 0;
      for (int i = 0; i < 4; i++) {
        mean += w[4 * row + i] / 4.0;
        meanC += c[4 * row + i] / 4.0;
      }
      double variance = 0;
      for (int i = 0; i < 4; i++) {
        variance += Math.pow(w[4 * row + i] - mean, 2) / 4.0;
      }
      double s = Math.sqrt(variance + StdConv2d.EPSILON);
      double meanCx = 0;
      for (int i = 0; i < 4; i++) {
        meanCx += c[4 * row + i] * (w[4 * row + i] - mean) / s / 4.0;
      }
      for (int i = 0; i < 4; i++) {
        double xhat = (w[4 * row + i] - mean) / s;
        double expected = (c[4 * row + i] - meanC - xhat * meanCx) / s;
        assertThat(grad[4 * row + i])
            .as("row %d, %d", row, i)
            .isCloseTo((float) expected, within(1e-5f));
      }
    }
  }

  @Test
  void frozenKernelIsStandardisedOnceWhileCachingIsOn() {
    StdConv2d conv = StdConv2d.builder().setFilters(1).setKernelSize(1).build();
    conv.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 1, 1));
    conv.weight().freeze(true);
    NDArray x = manager.create(new float[] {5, 7}, new Shape(1, 2, 1, 1));
    conv.weight().getArray().set(FloatBuffer.wrap(new float[] {1, 3})); // standardised (-1, 1)
    conv.cacheWhileFrozen(true);
    assertThat(forward(conv, x)).containsExactly(new float[] {2f}, within(1e-6f));
    // overwritten in place while cached: the cached (-1, 1) is still used, as documented
    conv.weight().getArray().set(FloatBuffer.wrap(new float[] {3, 1})); // standardised (1, -1)
    assertThat(forward(conv, x)).containsExactly(new float[] {2f}, within(1e-6f));
    conv.cacheWhileFrozen(true); // dropping the cache picks up the new weight
    assertThat(forward(conv, x)).containsExactly(new float[] {-2f}, within(1e-6f));
    // a kernel that requires a gradient is never taken from the cache
    conv.weight().freeze(false);
    conv.weight().getArray().set(FloatBuffer.wrap(new float[] {1, 3}));
    assertThat(forward(conv, x)).containsExactly(new float[] {2f}, within(1e-6f));
    conv.cacheWhileFrozen(false);
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
  void groupNormHasTheGradientsOfTheAnalyticFormula() {
    // (N, C, H, W) = (2, 4, 1, 2), two groups of two channels; loss = sum(out * c)
    int n = 2;
    int channels = 4;
    int hw = 2;
    float[] x = {1, 4, 2, 7, 3, -1, 0, 2.5f, -2, 5, 1, 1.5f, 6, 2, -3, 4};
    float[] c = {0.5f, -1, 2, 0.25f, -0.75f, 1.5f, 1, -2, 1, 3, -0.5f, 2, 0.75f, -1.25f, 0, 1};
    float[] gamma = {1, 2, 0.5f, -1};
    float[] beta = {0, 0.5f, -1, 2};
    GroupNorm norm = GroupNorm.builder().optGroups(2).build();
    Shape shape = new Shape(n, channels, 1, hw);
    norm.initialize(manager, DataType.FLOAT32, shape);
    norm.gamma().getArray().set(FloatBuffer.wrap(gamma));
    norm.beta().getArray().set(FloatBuffer.wrap(beta));
    NDArray input = manager.create(x, shape);
    input.setRequiresGradient(true);
    try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
      NDArray out =
          norm.forward(new ParameterStore(manager, false), new NDList(input), true)
              .singletonOrThrow();
      collector.backward(out.mul(manager.create(c, shape)).sum());
    }
    float[] dx = input.getGradient().toFloatArray();
    float[] dGamma = norm.gamma().getArray().getGradient().toFloatArray();
    float[] dBeta = norm.beta().getArray().getGradient().toFloatArray();
    double[] wantGamma = new double[channels];
    double[] wantBeta = new double[channels];
    int groupSize = 2 * hw; // two channels of hw values, contiguous in NCHW
    for (int start = 0; start < x.length; start += groupSize) {
      double mean = 0;
      for (int i = start; i < start + groupSize; i++) {
        mean += x[i] / (double) groupSize;
      }
      double variance = 0;
      for (int i = start; i < start + groupSize; i++) {
        variance += Math.pow(x[i] - mean, 2) / groupSize;
      }
      double s = Math.sqrt(variance + GroupNorm.DEFAULT_EPSILON);
      // with g = c * gamma (the gradient reaching the normalised value):
      // dL/dx = (g - mean(g) - xhat * mean(g * xhat)) / s
      double meanG = 0;
      double meanGx = 0;
      for (int i = start; i < start + groupSize; i++) {
        int channel = (i / hw) % channels;
        double xhat = (x[i] - mean) / s;
        double g = c[i] * gamma[channel];
        meanG += g / groupSize;
        meanGx += g * xhat / groupSize;
        wantGamma[channel] += c[i] * xhat;
        wantBeta[channel] += c[i];
      }
      for (int i = start; i < start + groupSize; i++) {
        double xhat = (x[i] - mean) / s;
        double g = c[i] * gamma[(i / hw) % channels];
        assertThat(dx[i])
            .as("dx[%d]", i)
            .isCloseTo((float) ((g - meanG - xhat * meanGx) / s), within(1e-4f));
      }
    }
    for (int k = 0; k < channels; k++) {
      assertThat(dGamma[k]).as("dgamma[%d]", k).isCloseTo((float) wantGamma[k], within(1e-4f));
      assertThat(dBeta[k]).as("dbeta[%d]", k).isCloseTo((float) wantBeta[k], within(1e-5f));
    }
  }

  @Test
  void groupNormRejectsChannelsThatDoNotSplitIntoItsGroups() {
    GroupNorm norm = GroupNorm.builder().build();
    assertThatThrownBy(() -> norm.initialize(manager, DataType.FLOAT32, new Shape(1, 48, 2, 2)))
        .hasMessageContaining("32 groups")
        .hasMessageContaining("48 channels");
  }
}
