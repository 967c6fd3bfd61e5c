package org.mos.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * Group normalisation with a per-channel affine transform, as BiT uses it (32 groups, eps 1e-5).
 * Written on plain NDArray operations: the PyTorch engine cannot take a mean over several axes, so
 * the input is reshaped to (N, groups, -1) and reduced over the last axis.
 */
public final class GroupNorm extends AbstractBlock {

  /** BiT's number of groups. */
  public static final int DEFAULT_GROUPS = 32;

  /** BiT's (and PyTorch's) epsilon. */
  public static final double DEFAULT_EPSILON = 1e-5;

  private static final byte VERSION = 1;

  private final int groups;
  private final double epsilon;
  private final Parameter gamma;
  private final Parameter beta;

  private GroupNorm(Builder builder) {
    super(VERSION);
    this.groups = builder.groups;
    this.epsilon = builder.epsilon;
    this.gamma =
        addParameter(
            Parameter.builder()
                .setName("gamma")
                .setType(Parameter.Type.GAMMA)
                .optInitializer(Initializer.ONES)
                .build());
    this.beta =
        addParameter(
            Parameter.builder()
                .setName("beta")
                .setType(Parameter.Type.BETA)
                .optInitializer(Initializer.ZEROS)
                .build());
  }

  /** Returns a builder with BiT's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Per-channel scale. */
  public Parameter gamma() {
    return gamma;
  }

  /** Per-channel shift. */
  public Parameter beta() {
    return beta;
  }

  @Override
  protected void prepare(Shape[] inputShapes) {
    long channels = inputShapes[0].get(1);
    if (channels % groups != 0) {
      throw new IllegalArgumentException(
          "group norm with " + groups + " groups got " + channels + " channels, not a multiple");
    }
    gamma.setShape(new Shape(channels));
    beta.setShape(new Shape(channels));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape shape = x.getShape();
    long channels = shape.get(1);
    NDArray g = parameterStore.getValue(gamma, x.getDevice(), training);
    NDArray b = parameterStore.getValue(beta, x.getDevice(), training);
    try (NDManager scope = x.getManager().newSubManager()) {
      // One fused layer-norm kernel (forward and backward) over each (sample, group) row instead
      // of about ten elementwise kernels: same statistics (biased variance, eps inside the root).
      NDArray grouped = Scoped.view(x, scope).reshape(shape.get(0), groups, -1);
      long row = grouped.getShape().get(2);
      NDArray ones = scope.ones(new Shape(row), x.getDataType(), x.getDevice());
      NDArray zeros = scope.zeros(new Shape(row), x.getDataType(), x.getDevice());
      NDArray normalised =
          grouped
              .getNDArrayInternal()
              .layerNorm(grouped, new Shape(row), ones, zeros, (float) epsilon)
              .singletonOrThrow()
              .reshape(shape);
      // The per-channel affine in one kernel too (forward and backward, with the gradients of
      // gamma and beta): batch norm in inference form with mean 0, variance 1 and epsilon 0 is
      // exactly x * gamma + beta, where mul and add would be four kernels with their backward.
      Shape perChannel = new Shape(channels);
      NDArray mean = scope.zeros(perChannel, x.getDataType(), x.getDevice());
      NDArray variance = scope.ones(perChannel, x.getDataType(), x.getDevice());
      NDArray out =
          normalised
              .getNDArrayInternal()
              .batchNorm(
                  normalised,
                  mean,
                  variance,
                  Scoped.view(g, scope),
                  Scoped.view(b, scope),
                  1,
                  0f,
                  0f,
                  false)
              .singletonOrThrow();
      return new NDList(Scoped.keep(out, x));
    }
  }

  /** Builder in DJL's style; every setting is optional. */
  public static final class Builder {
    private int groups = DEFAULT_GROUPS;
    private double epsilon = DEFAULT_EPSILON;

    private Builder() {}

    /** Number of groups (default 32). */
    public Builder optGroups(int groups) {
      this.groups = groups;
      return this;
    }

    /** Added to the variance (default 1e-5). */
    public Builder optEpsilon(double epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    /** Checks the settings and builds the block. */
    public GroupNorm build() {
      if (groups <= 0) {
        throw new IllegalArgumentException("groups must be positive, got " + groups);
      }
      if (!(epsilon > 0)) {
        throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
      }
      return new GroupNorm(this);
    }
  }
}
