package org.mos.trainer.weights;

import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.trainer.model.GroupNorm;
import org.mos.trainer.model.PreActBottleneck;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.model.StdConv2d;

/**
 * The names that BiT's {@code .npz} files give to each parameter of a {@link ResNetV2}, in the
 * model's order. Also used as stable parameter names in checkpoints.
 */
public final class BitKeys {

  /** Prefix of every key in BiT's files. */
  public static final String PREFIX = "resnet/";

  public static final String HEAD_KERNEL = PREFIX + "head/conv2d/kernel";
  public static final String HEAD_BIAS = PREFIX + "head/conv2d/bias";

  private static final String CONV = "standardized_conv2d/kernel";

  /** The stem's kernel. */
  public static final String STEM_KERNEL = PREFIX + "root_block/" + CONV;

  private BitKeys() {}

  /** Prefix of a unit's keys, {@code resnet/blockB/unitUU/} (both 1-based). */
  public static String unit(int block, int unit) {
    return String.format("%sblock%d/unit%02d/", PREFIX, block, unit);
  }

  /** Kernel of a unit's part: {@code a}, {@code b}, {@code c} or the projection {@code a/proj}. */
  public static String conv(int block, int unit, String part) {
    return unit(block, unit) + part + "/" + CONV;
  }

  /**
   * A group norm's {@code gamma} or {@code beta} under {@code prefix}: a unit's part ({@code
   * .../a/}) or {@link #PREFIX} for the final norm.
   */
  public static String norm(String prefix, String which) {
    return prefix + "group_norm/" + which;
  }

  /** Every parameter of the model by its BiT key, stem first and head last. */
  public static Map<String, Parameter> of(ResNetV2 model) {
    Map<String, Parameter> keys = new LinkedHashMap<>();
    keys.put(STEM_KERNEL, model.stem().weight());
    for (int b = 1; b <= ResNetV2.NUM_BLOCKS; b++) {
      List<PreActBottleneck> block = model.block(b);
      for (int u = 0; u < block.size(); u++) {
        String unit = unit(b, u + 1);
        PreActBottleneck p = block.get(u);
        putPart(keys, unit + "a/", p.conv1(), p.gn1());
        putPart(keys, unit + "b/", p.conv2(), p.gn2());
        putPart(keys, unit + "c/", p.conv3(), p.gn3());
        int blockNumber = b;
        int unitNumber = u + 1;
        p.projection()
            .ifPresent(proj -> keys.put(conv(blockNumber, unitNumber, "a/proj"), proj.weight()));
      }
    }
    putNorm(keys, PREFIX, model.finalNorm());
    keys.put(HEAD_KERNEL, model.headWeight());
    keys.put(HEAD_BIAS, model.headBias());
    return keys;
  }

  private static void putPart(Map<String, Parameter> keys, String part, StdConv2d c, GroupNorm n) {
    keys.put(part + CONV, c.weight());
    putNorm(keys, part, n);
  }

  private static void putNorm(Map<String, Parameter> keys, String prefix, GroupNorm n) {
    keys.put(norm(prefix, "gamma"), n.gamma());
    keys.put(norm(prefix, "beta"), n.beta());
  }
}
