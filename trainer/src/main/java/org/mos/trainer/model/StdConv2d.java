package org.mos.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * A 2-d convolution without bias whose kernel is weight-standardised per output channel before use,
 * as in BiT: {@code (w - mean) / sqrt(var + 1e-10)}, with the biased variance taken over the input
 * channels and the kernel window. The stored kernel is OIHW.
 */
public final class StdConv2d extends AbstractBlock {

  /** Added to the variance of the kernel, as BiT does. */
  public static final double EPSILON = 1e-10;

  private static final byte VERSION = 1;

  private final int filters;
  private final int kernelSize;
  private final int stride;
  private final int padding;
  private final Parameter weight;
  private volatile FrozenKernels frozenKernels;

  private StdConv2d(Builder builder) {
    super(VERSION);
    this.filters = builder.filters;
    this.kernelSize = builder.kernelSize;
    this.stride = builder.stride;
    this.padding = builder.padding;
    this.weight =
        addParameter(
            Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optInitializer(new XavierInitializer())
                .build());
  }

  /** Returns a builder; output channels and kernel size are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The OIHW kernel before standardisation. */
  public Parameter weight() {
    return weight;
  }

  public int filters() {
    return filters;
  }

  public int kernelSize() {
    return kernelSize;
  }

  @Override
  protected void prepare(Shape[] inputShapes) {
    long inChannels = inputShapes[0].get(1);
    weight.setShape(new Shape(filters, inChannels, kernelSize, kernelSize));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), filters, outSize(in.get(2)), outSize(in.get(3)))};
  }

  private long outSize(long size) {
    return (size + 2L * padding - kernelSize) / stride + 1;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray w = parameterStore.getValue(weight, x.getDevice(), training);
    FrozenKernels cache = frozenKernels;
    NDArray cached = cache == null ? null : cache.standardised(w);
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray kernel = cached != null ? cached : standardise(Scoped.view(w, scope));
      NDArray out =
          Conv2d.conv2d(
                  x,
                  kernel,
                  null,
                  new Shape(stride, stride),
                  new Shape(padding, padding),
                  new Shape(1, 1),
                  1)
              .singletonOrThrow();
      return new NDList(out);
    }
  }

  /**
   * While on, a kernel that does not require a gradient is standardised once and the result reused
   * (see {@link ResNetV2#cacheFrozenKernels}); turning it on or off drops what was cached.
   */
  void cacheWhileFrozen(boolean on) {
    FrozenKernels old = frozenKernels;
    frozenKernels = on ? new FrozenKernels() : null;
    if (old != null) {
      old.clear();
    }
  }

  /**
   * Weight standardisation of an OIHW kernel; exposed for the ONNX export and tests. One fused
   * layer-norm kernel (forward and backward) over each output channel's row instead of about
   * fifteen elementwise kernels and their backward: the same statistics (biased variance, epsilon
   * inside the root), and a unit scale and zero shift.
   */
  static NDArray standardise(NDArray kernel) {
    Shape shape = kernel.getShape();
    NDArray flat = kernel.reshape(shape.get(0), -1);
    Shape row = new Shape(flat.getShape().get(1));
    NDManager manager = flat.getManager();
    NDArray ones = manager.ones(row, kernel.getDataType(), kernel.getDevice());
    NDArray zeros = manager.zeros(row, kernel.getDataType(), kernel.getDevice());
    return flat.getNDArrayInternal()
        .layerNorm(flat, row, ones, zeros, (float) EPSILON)
        .singletonOrThrow()
        .reshape(shape);
  }

  /** Builder in DJL's style: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private int filters = -1;
    private int kernelSize = -1;
    private int stride = 1;
    private int padding;

    private Builder() {}

    /** Number of output channels (required). */
    public Builder setFilters(int filters) {
      this.filters = filters;
      return this;
    }

    /** Square kernel size (required). */
    public Builder setKernelSize(int kernelSize) {
      this.kernelSize = kernelSize;
      return this;
    }

    /** Stride in both directions (default 1). */
    public Builder optStride(int stride) {
      this.stride = stride;
      return this;
    }

    /** Zero padding on every side (default 0). */
    public Builder optPadding(int padding) {
      this.padding = padding;
      return this;
    }

    /** Checks the settings and builds the block. */
    public StdConv2d build() {
      if (filters <= 0) {
        throw new IllegalArgumentException("filters must be set and positive, got " + filters);
      }
      if (kernelSize <= 0) {
        throw new IllegalArgumentException(
            "kernel size must be set and positive, got " + kernelSize);
      }
      if (stride <= 0) {
        throw new IllegalArgumentException("stride must be positive, got " + stride);
      }
      if (padding < 0) {
        throw new IllegalArgumentException("padding must not be negative, got " + padding);
      }
      return new StdConv2d(this);
    }
  }
}
