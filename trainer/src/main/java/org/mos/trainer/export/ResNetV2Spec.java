package org.mos.trainer.export;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mos.trainer.model.BitArchitecture;
import org.mos.trainer.model.GroupNorm;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.BitKeys;

/**
 * The shape of a BiT ResNetV2: units per block, stem width (64 times BiT's width factor, or 32 for
 * the small CPU variants) and the number of logits of the head. Knows every parameter's BiT key and
 * OIHW shape, so weights from any source can be checked before export.
 *
 * @param units units in each of the four blocks
 * @param stemWidth output channels of the stem
 * @param numLogits rows of the head: C for flat softmax, C + K for K groups
 */
public record ResNetV2Spec(int[] units, int stemWidth, int numLogits) {

  private static final Pattern CUSTOM =
      Pattern.compile("units=(\\d+),(\\d+),(\\d+),(\\d+)/width=(\\d+)");

  public ResNetV2Spec {
    units = units.clone();
    if (units.length != ResNetV2.NUM_BLOCKS || Arrays.stream(units).anyMatch(u -> u < 1)) {
      throw new IllegalArgumentException(
          "expected four positive unit counts, got " + Arrays.toString(units));
    }
    if (stemWidth < 1 || stemWidth % GroupNorm.DEFAULT_GROUPS != 0) {
      throw new IllegalArgumentException(
          "stem width must be a positive multiple of 32, got " + stemWidth);
    }
    if (numLogits < 1) {
      throw new IllegalArgumentException("the head needs at least one logit, got " + numLogits);
    }
  }

  @Override
  public int[] units() {
    return units.clone();
  }

  /**
   * The spec an architecture name stands for: a BiT name ({@code R50x1}, {@code BiT-S-R101x1}) or
   * {@code units=A,B,C,D/width=W} for other variants.
   */
  public static ResNetV2Spec parse(String architecture, int numLogits) {
    Matcher m = CUSTOM.matcher(architecture.trim());
    if (m.matches()) {
      int[] units = new int[4];
      for (int i = 0; i < 4; i++) {
        units[i] = Integer.parseInt(m.group(i + 1));
      }
      return new ResNetV2Spec(units, Integer.parseInt(m.group(5)), numLogits);
    }
    try {
      BitArchitecture bit = BitArchitecture.parse(architecture);
      return new ResNetV2Spec(bit.units(), 64 * bit.widthFactor(), numLogits);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage() + ", or units=A,B,C,D/width=W for another variant", e);
    }
  }

  /** Reads units, stem width and head size off the weights' keys and shapes. */
  public static ResNetV2Spec inferFrom(WeightMap weights) {
    int[] units = new int[ResNetV2.NUM_BLOCKS];
    for (int b = 0; b < units.length; b++) {
      while (weights.contains(BitKeys.conv(b + 1, units[b] + 1, "a"))) {
        units[b]++;
      }
      if (units[b] == 0) {
        throw new IllegalArgumentException(
            "the weights have no parameter '" + BitKeys.conv(b + 1, 1, "a") + "'");
      }
    }
    int width = weights.get(BitKeys.STEM_KERNEL).shape()[0];
    int logits = weights.get(BitKeys.HEAD_BIAS).shape()[0];
    return new ResNetV2Spec(units, width, logits);
  }

  /**
   * A readable name: the BiT architecture ({@code R101x1}) when the shape is one, else {@code
   * units=A,B,C,D/width=W}, which {@link #parse} reads back.
   */
  public String architectureName() {
    for (BitArchitecture a : BitArchitecture.values()) {
      if (Arrays.equals(a.units(), units) && 64 * a.widthFactor() == stemWidth) {
        return a.name();
      }
    }
    return String.format(
        "units=%d,%d,%d,%d/width=%d", units[0], units[1], units[2], units[3], stemWidth);
  }

  /** Width of the features before the head. */
  public int featureWidth() {
    return 4 * (stemWidth << (ResNetV2.NUM_BLOCKS - 1));
  }

  /** Widths of the stem and block outputs (the spatial-mean outputs). */
  public int[] layerWidths() {
    int[] widths = new int[ResNetV2.NUM_BLOCKS + 1];
    widths[0] = stemWidth;
    for (int b = 0; b < ResNetV2.NUM_BLOCKS; b++) {
      widths[b + 1] = 4 * (stemWidth << b);
    }
    return widths;
  }

  /** Every parameter's BiT key and OIHW (or vector) shape, in the model's order. */
  public Map<String, int[]> shapes() {
    Map<String, int[]> shapes = new LinkedHashMap<>();
    shapes.put(BitKeys.STEM_KERNEL, oihw(stemWidth, 3, 7));
    int in = stemWidth;
    for (int b = 1; b <= ResNetV2.NUM_BLOCKS; b++) {
      int mid = stemWidth << (b - 1);
      for (int u = 1; u <= units[b - 1]; u++) {
        shapes.put(BitKeys.conv(b, u, "a"), oihw(mid, in, 1));
        putNorm(shapes, BitKeys.unit(b, u) + "a/", in);
        shapes.put(BitKeys.conv(b, u, "b"), oihw(mid, mid, 3));
        putNorm(shapes, BitKeys.unit(b, u) + "b/", mid);
        shapes.put(BitKeys.conv(b, u, "c"), oihw(4 * mid, mid, 1));
        putNorm(shapes, BitKeys.unit(b, u) + "c/", mid);
        if (u == 1) {
          shapes.put(BitKeys.conv(b, u, "a/proj"), oihw(4 * mid, in, 1));
        }
        in = 4 * mid;
      }
    }
    putNorm(shapes, BitKeys.PREFIX, in);
    shapes.put(BitKeys.HEAD_KERNEL, oihw(numLogits, in, 1));
    shapes.put(BitKeys.HEAD_BIAS, new int[] {numLogits});
    return shapes;
  }

  /**
   * Checks that {@code weights} hold every parameter of this spec with its shape.
   *
   * @throws IllegalArgumentException naming the first missing or misshapen parameter
   */
  public void check(WeightMap weights, String source) {
    check(weights, source, key -> key);
  }

  /**
   * As {@link #check(WeightMap, String)}, naming parameters in messages by {@code naming} (for
   * example the source file's own names).
   */
  public void check(
      WeightMap weights, String source, java.util.function.UnaryOperator<String> naming) {
    for (Map.Entry<String, int[]> e : shapes().entrySet()) {
      if (!weights.contains(e.getKey())) {
        throw new IllegalArgumentException(
            source
                + " has no parameter '"
                + naming.apply(e.getKey())
                + "' (expected shape "
                + Arrays.toString(e.getValue())
                + " for "
                + architectureName()
                + ")");
      }
      int[] actual = weights.get(e.getKey()).shape();
      if (!Arrays.equals(actual, e.getValue())) {
        throw new IllegalArgumentException(
            source
                + ": parameter '"
                + naming.apply(e.getKey())
                + "' has shape "
                + Arrays.toString(actual)
                + " but "
                + architectureName()
                + " with "
                + numLogits
                + " logits needs "
                + Arrays.toString(e.getValue()));
      }
    }
  }

  private static void putNorm(Map<String, int[]> shapes, String prefix, int channels) {
    shapes.put(BitKeys.norm(prefix, "gamma"), new int[] {channels});
    shapes.put(BitKeys.norm(prefix, "beta"), new int[] {channels});
  }

  private static int[] oihw(int out, int in, int k) {
    return new int[] {out, in, k, k};
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResNetV2Spec s
        && Arrays.equals(units, s.units)
        && stemWidth == s.stemWidth
        && numLogits == s.numLogits;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(units) + stemWidth) + numLogits;
  }

  @Override
  public String toString() {
    return architectureName() + " with " + numLogits + " logits";
  }
}
