package org.mos.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BiT's ResNetV2 (pre-activation, group norm, weight-standardised convolutions).
 *
 * <p>Stem: std-conv 7x7 stride 2 padding 3, zero-pad 1, max-pool 3x3 stride 2 without padding. Four
 * blocks of {@link PreActBottleneck} units; the first unit of every block has a projection, and
 * blocks 2-4 start with stride 2. Head: GN, relu, global average pool, 1x1 conv with bias.
 *
 * <p>The forward pass returns, in this order (see the {@code OUTPUT_} indices): the logits (N,
 * classes), the pre-logit features (N, C) after pooling, and the spatial means of the stem output
 * and of each block's output, the layers that Mahalanobis scoring reads.
 */
public final class ResNetV2 extends AbstractBlock {

  public static final int OUTPUT_LOGITS = 0;
  public static final int OUTPUT_PRE_LOGITS = 1;
  public static final int OUTPUT_STEM = 2;

  /** Index of block {@code b} (1..4) output is {@code OUTPUT_STEM + b}. */
  public static final int OUTPUT_BLOCK1 = 3;

  public static final int NUM_BLOCKS = 4;

  private static final byte VERSION = 1;

  private final int[] units;
  private final int baseWidth;
  private final int numClasses;
  private final StdConv2d stem;
  private final List<List<PreActBottleneck>> blocks = new ArrayList<>();
  private final GroupNorm finalNorm;
  private final Parameter headWeight;
  private final Parameter headBias;

  private ResNetV2(Builder builder) {
    super(VERSION);
    this.units = builder.units.clone();
    this.baseWidth = builder.baseWidth * builder.widthFactor;
    this.numClasses = builder.numClasses;
    stem =
        addChildBlock(
            "stem",
            StdConv2d.builder()
                .setFilters(baseWidth)
                .setKernelSize(7)
                .optStride(2)
                .optPadding(3)
                .build());
    for (int b = 0; b < NUM_BLOCKS; b++) {
      int mid = baseWidth << b;
      List<PreActBottleneck> block = new ArrayList<>();
      for (int u = 0; u < units[b]; u++) {
        PreActBottleneck unit =
            PreActBottleneck.builder()
                .setOutChannels(4 * mid)
                .optMidChannels(mid)
                .optStride(u == 0 && b > 0 ? 2 : 1)
                .optProjection(u == 0)
                .build();
        block.add(addChildBlock(String.format("block%d_unit%02d", b + 1, u + 1), unit));
      }
      blocks.add(List.copyOf(block));
    }
    finalNorm = addChildBlock("final_norm", GroupNorm.builder().build());
    headWeight =
        addParameter(
            Parameter.builder()
                .setName("head_weight")
                .setType(Parameter.Type.WEIGHT)
                .optInitializer(Initializer.ZEROS)
                .build());
    headBias =
        addParameter(
            Parameter.builder()
                .setName("head_bias")
                .setType(Parameter.Type.BIAS)
                .optInitializer(Initializer.ZEROS)
                .build());
  }

  /** Returns a builder; the architecture (or units and width) and the class count are required. */
  public static Builder builder() {
    return new Builder();
  }

  public StdConv2d stem() {
    return stem;
  }

  /** The units of block {@code number} (1..4). */
  public List<PreActBottleneck> block(int number) {
    if (number < 1 || number > NUM_BLOCKS) {
      throw new IllegalArgumentException("block number must be 1..4, got " + number);
    }
    return blocks.get(number - 1);
  }

  /** The group norm before the head. */
  public GroupNorm finalNorm() {
    return finalNorm;
  }

  /** The classifier kernel, OIHW (classes, C, 1, 1). */
  public Parameter headWeight() {
    return headWeight;
  }

  public Parameter headBias() {
    return headBias;
  }

  public int numClasses() {
    return numClasses;
  }

  /** Width of the pre-logit features: 2048 times the width factor for BiT. */
  public int featureWidth() {
    return 4 * (baseWidth << (NUM_BLOCKS - 1));
  }

  /** Widths of the Mahalanobis layers: stem, then blocks 1-4. */
  public int[] layerWidths() {
    int[] widths = new int[NUM_BLOCKS + 1];
    widths[0] = baseWidth;
    for (int b = 0; b < NUM_BLOCKS; b++) {
      widths[b + 1] = 4 * (baseWidth << b);
    }
    return widths;
  }

  public int[] units() {
    return units.clone();
  }

  /**
   * Turns on (or off) reusing the standardised kernel of every convolution whose weight does not
   * require a gradient, instead of standardising it in every forward pass: a frozen trunk (the
   * paper's {@code num_block_open 0}) then costs only its convolutions and norms. Either call drops
   * what was cached; call it again after changing frozen weights in place (loading weights or a
   * checkpoint) while it is on.
   */
  public void cacheFrozenKernels(boolean on) {
    cacheFrozenKernels(this, on);
  }

  private static void cacheFrozenKernels(Block block, boolean on) {
    if (block instanceof StdConv2d conv) {
      conv.cacheWhileFrozen(on);
    }
    for (Block child : block.getChildren().values()) {
      cacheFrozenKernels(child, on);
    }
  }

  @Override
  protected void prepare(Shape[] inputShapes) {
    headWeight.setShape(new Shape(numClasses, featureWidth(), 1, 1));
    headBias.setShape(new Shape(numClasses));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    stem.initialize(manager, dataType, inputShapes);
    Shape[] shapes = pooledStemShape(stem.getOutputShapes(inputShapes)[0]);
    for (List<PreActBottleneck> block : blocks) {
      for (PreActBottleneck unit : block) {
        unit.initialize(manager, dataType, shapes);
        shapes = unit.getOutputShapes(shapes);
      }
    }
    finalNorm.initialize(manager, dataType, shapes);
  }

  private static Shape[] pooledStemShape(Shape conv) {
    // zero-pad 1 then 3x3 stride 2 without padding: (s + 2 - 3) / 2 + 1
    return new Shape[] {
      new Shape(conv.get(0), conv.get(1), (conv.get(2) - 1) / 2 + 1, (conv.get(3) - 1) / 2 + 1)
    };
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long n = inputShapes[0].get(0);
    int[] widths = layerWidths();
    Shape[] out = new Shape[OUTPUT_BLOCK1 + NUM_BLOCKS];
    out[OUTPUT_LOGITS] = new Shape(n, numClasses);
    out[OUTPUT_PRE_LOGITS] = new Shape(n, featureWidth());
    for (int l = 0; l <= NUM_BLOCKS; l++) {
      out[OUTPUT_STEM + l] = new Shape(n, widths[l]);
    }
    return out;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray[] out = new NDArray[OUTPUT_BLOCK1 + NUM_BLOCKS];
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray h = PreActBottleneck.apply(stem, ps, Scoped.view(x, scope), training);
      h = h.pad(new Shape(1, 1, 1, 1), 0);
      h = Pool.maxPool2d(h, new Shape(3, 3), new Shape(2, 2), new Shape(0, 0), false);
      out[OUTPUT_STEM] = spatialMean(h);
      for (int b = 0; b < NUM_BLOCKS; b++) {
        for (PreActBottleneck unit : blocks.get(b)) {
          h = PreActBottleneck.apply(unit, ps, h, training);
        }
        out[OUTPUT_BLOCK1 + b] = spatialMean(h);
      }
      h = Activation.relu(PreActBottleneck.apply(finalNorm, ps, h, training));
      NDArray features = spatialMean(h);
      out[OUTPUT_PRE_LOGITS] = features;
      out[OUTPUT_LOGITS] = head(ps, features, training);
      for (NDArray o : out) {
        Scoped.keep(o, x);
      }
      return new NDList(out);
    }
  }

  private NDArray head(ParameterStore ps, NDArray features, boolean training) {
    NDArray w = ps.getValue(headWeight, features.getDevice(), training);
    NDArray b = ps.getValue(headBias, features.getDevice(), training);
    Shape s = features.getShape();
    NDArray logits =
        Conv2d.conv2d(features.reshape(s.get(0), s.get(1), 1, 1), w, b).singletonOrThrow();
    return logits.reshape(s.get(0), numClasses);
  }

  /** Mean over the spatial axes, (N, C, H, W) -> (N, C), via one axis (see class note). */
  static NDArray spatialMean(NDArray x) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
  }

  /** Builder in DJL's style: {@code setX} required, {@code optX} optional. */
  public static final class Builder {
    private int[] units;
    private int widthFactor = 1;
    private int baseWidth = 64;
    private int numClasses = -1;

    private Builder() {}

    /** One of BiT's architectures: sets the units per block and the width factor. */
    public Builder setArchitecture(BitArchitecture architecture) {
      this.units = architecture.units();
      this.widthFactor = architecture.widthFactor();
      return this;
    }

    /** Units per block, four values (required unless an architecture is set). */
    public Builder setUnits(int... units) {
      this.units = units.clone();
      return this;
    }

    /** Width multiplier (default 1). */
    public Builder optWidthFactor(int widthFactor) {
      this.widthFactor = widthFactor;
      return this;
    }

    /**
     * Stem width before the width factor (BiT: 64). Smaller values, multiples of 32, give small
     * variants for CPU work; 32 halves every width.
     */
    public Builder optBaseWidth(int baseWidth) {
      this.baseWidth = baseWidth;
      return this;
    }

    /** Size of the head (required): classes for flat softmax, classes + groups for MOS. */
    public Builder setNumClasses(int numClasses) {
      this.numClasses = numClasses;
      return this;
    }

    /** Checks the settings and builds the model. */
    public ResNetV2 build() {
      if (units == null || units.length != NUM_BLOCKS) {
        throw new IllegalArgumentException(
            "units must be set to four counts, got " + Arrays.toString(units));
      }
      for (int u : units) {
        if (u < 1) {
          throw new IllegalArgumentException(
              "every block needs at least one unit, got " + Arrays.toString(units));
        }
      }
      if (widthFactor < 1) {
        throw new IllegalArgumentException("width factor must be >= 1, got " + widthFactor);
      }
      int width = baseWidth * widthFactor;
      if (width <= 0 || width % GroupNorm.DEFAULT_GROUPS != 0) {
        throw new IllegalArgumentException(
            "stem width "
                + baseWidth
                + " x "
                + widthFactor
                + " = "
                + width
                + " must be a positive multiple of 32 for group norm");
      }
      if (numClasses < 1) {
        throw new IllegalArgumentException(
            "number of classes must be set and positive, got " + numClasses);
      }
      return new ResNetV2(this);
    }
  }
}
