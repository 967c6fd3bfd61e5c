package org.mos.trainer.train;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.mos.trainer.model.PreActBottleneck;
import org.mos.trainer.model.ResNetV2;

/**
 * Which parameters finetuning trains, by MOS's {@code num_block_open}: -1 trains everything; 0 only
 * the head (stem, all blocks and the final group norm frozen, as the paper's scripts run); n = 1..4
 * the last n blocks, the final norm and the head, except the first group norm of the first open
 * block, which stays frozen. Frozen parameters do not record gradients.
 */
public final class OpenBlocks {

  private OpenBlocks() {}

  /** Freezes and unfreezes the parameters of an initialised model. */
  public static void apply(ResNetV2 model, int numBlockOpen) {
    if (numBlockOpen < -1 || numBlockOpen > ResNetV2.NUM_BLOCKS) {
      throw new IllegalArgumentException(
          "num_block_open must be -1 (all), 0 (head only) or 1..4, got " + numBlockOpen);
    }
    boolean all = numBlockOpen == -1;
    setTrainable(model, all);
    if (all) {
      return;
    }
    model.headWeight().freeze(false);
    model.headBias().freeze(false);
    if (numBlockOpen == 0) {
      return;
    }
    setTrainable(model.finalNorm(), true);
    int firstOpen = ResNetV2.NUM_BLOCKS - numBlockOpen + 1;
    for (int b = firstOpen; b <= ResNetV2.NUM_BLOCKS; b++) {
      for (PreActBottleneck unit : model.block(b)) {
        setTrainable(unit, true);
      }
    }
    setTrainable(model.block(firstOpen).get(0).gn1(), false);
  }

  private static void setTrainable(Block block, boolean trainable) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      p.getValue().freeze(!trainable);
    }
  }
}
