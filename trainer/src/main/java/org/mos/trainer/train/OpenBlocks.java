package org.mos.trainer.train;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.mos.trainer.model.PreActBottleneck;
import org.mos.trainer.model.ResNetV2;

/**
 * Which parameters finetuning trains, by MOS's {@code num_block_open}, exactly as the paper's
 * {@code resnetv2.py} + {@code finetune.py} update them: -1 trains everything; 0 only the head; n =
 * 1..4 the last n blocks, the final norm ({@code before_head}) and the head, except the first group
 * norm of the first open block ({@code unit01.gn1}), which stays frozen. Frozen parameters do not
 * record gradients.
 *
 * <p>At 0 the paper's code lists {@code before_head} in {@code fix_parts}; its loop that sets
 * {@code requires_grad = False} walks only {@code root} and the body's blocks, so the final norm's
 * parameters keep {@code requires_grad}, but its {@code forward} runs every part in {@code
 * fix_parts}, {@code before_head} included, under {@code torch.no_grad()}. The norm therefore never
 * receives a gradient and SGD leaves it as it was: frozen here too. The parity harness
 * (scripts/fixtures/make_finetune_parity_fixtures.py) checks this on the paper's loop.
 */
public final class OpenBlocks {

  /** Name of the final group norm in the paper's code. */
  public static final String BEFORE_HEAD = "before_head";

  /**
   * What a setting leaves frozen, in the paper's part names.
   *
   * @param numBlockOpen the setting
   * @param frozen frozen parts in the paper's names: {@code root}, {@code block1..4}, {@code
   *     blockN/unit01/gn1}, {@code before_head}; empty when everything trains
   * @param trainableParameters number of scalar parameters that train
   * @param frozenParameters number of scalar parameters that stay as loaded
   */
  public record Summary(
      int numBlockOpen, List<String> frozen, long trainableParameters, long frozenParameters) {
    public Summary {
      frozen = List.copyOf(frozen);
    }
  }

  private OpenBlocks() {}

  /** Freezes and unfreezes the parameters of an initialised model; returns what it did. */
  public static Summary apply(ResNetV2 model, int numBlockOpen) {
    List<String> frozen = frozenParts(numBlockOpen);
    boolean all = numBlockOpen == -1;
    setTrainable(model, all);
    if (!all) {
      model.headWeight().freeze(false);
      model.headBias().freeze(false);
    }
    if (numBlockOpen > 0) {
      setTrainable(model.finalNorm(), true);
      int firstOpen = ResNetV2.NUM_BLOCKS - numBlockOpen + 1;
      for (int b = firstOpen; b <= ResNetV2.NUM_BLOCKS; b++) {
        for (PreActBottleneck unit : model.block(b)) {
          setTrainable(unit, true);
        }
      }
      setTrainable(model.block(firstOpen).get(0).gn1(), false);
    }
    long trainable = 0;
    long fixed = 0;
    for (Pair<String, Parameter> p : model.getParameters()) {
      long size = p.getValue().getArray().size();
      if (p.getValue().requiresGradient()) {
        trainable += size;
      } else {
        fixed += size;
      }
    }
    return new Summary(numBlockOpen, frozen, trainable, fixed);
  }

  /** The parts a setting freezes, in the paper's names (see {@link Summary#frozen()}). */
  public static List<String> frozenParts(int numBlockOpen) {
    if (numBlockOpen < -1 || numBlockOpen > ResNetV2.NUM_BLOCKS) {
      throw new IllegalArgumentException(
          "num_block_open must be -1 (all), 0 (head only) or 1..4, got " + numBlockOpen);
    }
    List<String> frozen = new ArrayList<>();
    if (numBlockOpen == -1) {
      return frozen;
    }
    frozen.add("root");
    int firstOpen = ResNetV2.NUM_BLOCKS - Math.max(numBlockOpen, 0) + 1;
    for (int b = 1; b < firstOpen; b++) {
      frozen.add("block" + b);
    }
    if (numBlockOpen == 0) {
      frozen.add(BEFORE_HEAD);
    } else {
      frozen.add("block" + firstOpen + "/unit01/gn1");
    }
    return frozen;
  }

  private static void setTrainable(Block block, boolean trainable) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      p.getValue().freeze(!trainable);
    }
  }
}
