package org.mos.trainer.imports;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.weights.BitKeys;

/**
 * Names of BiT's PyTorch ResNetV2 (the MOS paper's released checkpoints) mapped to BiT keys: {@code
 * root.conv.weight}, {@code body.block1.unit01.{gn1,conv1,gn2,conv2,gn3,conv3,downsample}.weight}
 * (and the norms' {@code .bias}), {@code before_head.gn.weight/bias}, {@code
 * head.conv.weight/bias}, optionally prefixed {@code module.} (DataParallel). Kernels are OIHW in
 * both.
 */
public final class PaperKeys {

  private static final Pattern UNIT =
      Pattern.compile(
          "body\\.block(\\d)\\.unit(\\d\\d)\\.(gn[123]|conv[123]|downsample)\\.(weight|bias)");
  private static final String MODULE = "module.";

  private PaperKeys() {}

  /**
   * The BiT key of a paper key.
   *
   * @throws IllegalArgumentException naming the key when it is not a parameter of BiT's ResNetV2
   */
  public static String toBitKey(String paperKey) {
    String key = paperKey.startsWith(MODULE) ? paperKey.substring(MODULE.length()) : paperKey;
    switch (key) {
      case "root.conv.weight":
        return BitKeys.STEM_KERNEL;
      case "before_head.gn.weight":
        return BitKeys.norm(BitKeys.PREFIX, "gamma");
      case "before_head.gn.bias":
        return BitKeys.norm(BitKeys.PREFIX, "beta");
      case "head.conv.weight":
        return BitKeys.HEAD_KERNEL;
      case "head.conv.bias":
        return BitKeys.HEAD_BIAS;
      default:
        break;
    }
    Matcher m = UNIT.matcher(key);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "unexpected parameter '"
              + paperKey
              + "': not a parameter of BiT's ResNetV2 (expected root.conv.weight,"
              + " body.blockB.unitUU.{gn1,conv1,gn2,conv2,gn3,conv3,downsample}.weight,"
              + " before_head.gn.*, head.conv.*)");
    }
    int block = Integer.parseInt(m.group(1));
    int unit = Integer.parseInt(m.group(2));
    String layer = m.group(3);
    boolean weight = m.group(4).equals("weight");
    if (layer.startsWith("gn")) {
      return BitKeys.norm(BitKeys.unit(block, unit) + part(layer) + "/", weight ? "gamma" : "beta");
    }
    if (!weight) {
      throw new IllegalArgumentException(
          "unexpected parameter '" + paperKey + "': BiT's convolutions have no bias");
    }
    return BitKeys.conv(block, unit, layer.equals("downsample") ? "a/proj" : part(layer));
  }

  /** The paper key (without {@code module.}) of a BiT key, for messages. */
  public static String toPaperKey(String bitKey) {
    String key = bitKey.substring(BitKeys.PREFIX.length());
    if (bitKey.equals(BitKeys.STEM_KERNEL)) {
      return "root.conv.weight";
    }
    if (key.startsWith("group_norm/")) {
      return "before_head.gn." + (key.endsWith("gamma") ? "weight" : "bias");
    }
    if (key.startsWith("head/")) {
      return "head.conv." + (key.endsWith("kernel") ? "weight" : "bias");
    }
    String[] p = key.split("/");
    String unit = "body." + p[0] + "." + p[1] + ".";
    int index = p[2].charAt(0) - 'a' + 1;
    if (p[3].equals("proj")) {
      return unit + "downsample.weight";
    }
    if (p[3].equals("group_norm")) {
      return unit + "gn" + index + "." + (p[4].equals("gamma") ? "weight" : "bias");
    }
    return unit + "conv" + index + ".weight";
  }

  /** A state dict renamed to BiT keys. */
  public static WeightMap toWeights(Map<String, WeightMap.Tensor> state) {
    Map<String, WeightMap.Tensor> renamed = new LinkedHashMap<>();
    for (Map.Entry<String, WeightMap.Tensor> e : state.entrySet()) {
      renamed.put(toBitKey(e.getKey()), e.getValue());
    }
    return WeightMap.of(renamed);
  }

  private static String part(String layer) {
    return String.valueOf((char) ('a' + layer.charAt(layer.length() - 1) - '1'));
  }
}
