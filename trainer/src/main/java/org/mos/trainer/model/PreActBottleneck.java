package org.mos.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Optional;

/**
 * BiT's pre-activation bottleneck unit: {@code out = relu(GN1(x))}; the shortcut is {@code
 * proj(out)} when the unit has a projection, else {@code x}; then conv1x1 -> relu(GN2) -> conv3x3
 * (carrying the stride) -> relu(GN3) -> conv1x1, plus the shortcut. In BiT's weight files GN1 and
 * conv1 are unit part {@code a}, GN2 and conv2 part {@code b}, GN3 and conv3 part {@code c}.
 */
public final class PreActBottleneck extends AbstractBlock {

  private static final byte VERSION = 1;

  private final GroupNorm gn1;
  private final StdConv2d conv1;
  private final GroupNorm gn2;
  private final StdConv2d conv2;
  private final GroupNorm gn3;
  private final StdConv2d conv3;
  private final StdConv2d projection;

  private PreActBottleneck(Builder builder) {
    super(VERSION);
    int mid = builder.midChannels > 0 ? builder.midChannels : builder.outChannels / 4;
    gn1 = addChildBlock("gn1", GroupNorm.builder().build());
    conv1 = addChildBlock("conv1", conv(mid, 1, 1, 0));
    gn2 = addChildBlock("gn2", GroupNorm.builder().build());
    conv2 = addChildBlock("conv2", conv(mid, 3, builder.stride, 1));
    gn3 = addChildBlock("gn3", GroupNorm.builder().build());
    conv3 = addChildBlock("conv3", conv(builder.outChannels, 1, 1, 0));
    projection =
        builder.projection
            ? addChildBlock("projection", conv(builder.outChannels, 1, builder.stride, 0))
            : null;
  }

  private static StdConv2d conv(int filters, int kernel, int stride, int padding) {
    return StdConv2d.builder()
        .setFilters(filters)
        .setKernelSize(kernel)
        .optStride(stride)
        .optPadding(padding)
        .build();
  }

  /** Returns a builder; the output width is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The norm on the unit's input (BiT part {@code a}); frozen in the first open block. */
  public GroupNorm gn1() {
    return gn1;
  }

  public StdConv2d conv1() {
    return conv1;
  }

  public GroupNorm gn2() {
    return gn2;
  }

  public StdConv2d conv2() {
    return conv2;
  }

  public GroupNorm gn3() {
    return gn3;
  }

  public StdConv2d conv3() {
    return conv3;
  }

  /** The shortcut projection ({@code a/proj} in BiT's files), present on a block's first unit. */
  public Optional<StdConv2d> projection() {
    return Optional.ofNullable(projection);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    gn1.initialize(manager, dataType, inputShapes);
    if (projection != null) {
      projection.initialize(manager, dataType, inputShapes);
    }
    Shape[] shapes = inputShapes;
    for (AbstractBlock[] pair : new AbstractBlock[][] {{conv1, gn2}, {conv2, gn3}, {conv3, null}}) {
      pair[0].initialize(manager, dataType, shapes);
      shapes = pair[0].getOutputShapes(shapes);
      if (pair[1] != null) {
        pair[1].initialize(manager, dataType, shapes);
      }
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] shapes = conv1.getOutputShapes(inputShapes);
    shapes = conv2.getOutputShapes(shapes);
    return conv3.getOutputShapes(shapes);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray in = Scoped.view(x, scope);
      NDArray out = Activation.relu(apply(gn1, ps, in, training));
      NDArray shortcut = projection != null ? apply(projection, ps, out, training) : in;
      out = apply(conv1, ps, out, training);
      out = apply(conv2, ps, Activation.relu(apply(gn2, ps, out, training)), training);
      out = apply(conv3, ps, Activation.relu(apply(gn3, ps, out, training)), training);
      return new NDList(Scoped.keep(out.add(shortcut), x));
    }
  }

  static NDArray apply(AbstractBlock block, ParameterStore ps, NDArray x, boolean training) {
    return block.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  /** Builder in DJL's style: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private int outChannels = -1;
    private int midChannels = -1;
    private int stride = 1;
    private boolean projection;

    private Builder() {}

    /** Width of the unit's output (required). */
    public Builder setOutChannels(int outChannels) {
      this.outChannels = outChannels;
      return this;
    }

    /** Width inside the bottleneck (default: a quarter of the output width). */
    public Builder optMidChannels(int midChannels) {
      this.midChannels = midChannels;
      return this;
    }

    /** Stride of the 3x3 convolution and of the projection (default 1). */
    public Builder optStride(int stride) {
      this.stride = stride;
      return this;
    }

    /** Whether the shortcut is a projection (BiT: first unit of every block). */
    public Builder optProjection(boolean projection) {
      this.projection = projection;
      return this;
    }

    /** Checks the settings and builds the unit. */
    public PreActBottleneck build() {
      if (outChannels <= 0) {
        throw new IllegalArgumentException(
            "output channels must be set and positive, got " + outChannels);
      }
      int mid = midChannels > 0 ? midChannels : outChannels / 4;
      if (mid <= 0 || mid % GroupNorm.DEFAULT_GROUPS != 0) {
        throw new IllegalArgumentException(
            "bottleneck width "
                + mid
                + " must be a positive multiple of "
                + GroupNorm.DEFAULT_GROUPS
                + " for group norm");
      }
      if (stride != 1 && !projection) {
        throw new IllegalArgumentException(
            "a unit with stride " + stride + " needs a projection shortcut");
      }
      if (stride <= 0) {
        throw new IllegalArgumentException("stride must be positive, got " + stride);
      }
      return new PreActBottleneck(this);
    }
  }
}
