package org.mos.trainer.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.image.PreprocessSpec;

/**
 * What a run actually does once its options are resolved, so that a run can be audited against the
 * paper's: the augmentation, the schedule, mixup and which parts train. Written as {@code
 * effective} in {@code spec.json} and as {@code run} on the first {@code metrics.jsonl} line of
 * every start (fresh or resumed).
 *
 * @param resize training resize (square)
 * @param crop training crop (square; equal to resize means no random crop)
 * @param randomCrop whether the crop position is random
 * @param randomFlip whether images are flipped at random
 * @param mixupAlpha mixup's alpha; 0 = no mixup
 * @param schedule the HyperRule's step boundaries (last = number of steps)
 * @param baseLearningRate the peak learning rate
 * @param batch examples per step
 * @param batchSplit micro-batches per step
 * @param openBlocks what trains and what is frozen
 */
public record EffectiveSettings(
    int resize,
    int crop,
    boolean randomCrop,
    boolean randomFlip,
    double mixupAlpha,
    int[] schedule,
    double baseLearningRate,
    int batch,
    int batchSplit,
    OpenBlocks.Summary openBlocks) {

  /** The settings of a run about to train. */
  static EffectiveSettings of(
      PreprocessSpec train, HyperRule rule, Finetuner.Settings settings, OpenBlocks.Summary open) {
    return new EffectiveSettings(
        train.resize(),
        train.crop(),
        train.randomCrop(),
        train.randomFlip(),
        rule.mixupAlpha(),
        rule.supports(),
        rule.baseLearningRate(),
        settings.batchSize(),
        settings.batchSplit(),
        open);
  }

  /** One line for the progress output. */
  String describe() {
    OpenBlocks.Summary o = openBlocks;
    return String.format(
        "num_block_open %d: %d of %d parameters train; frozen: %s; crop %d of %d%s, flip %s,"
            + " mixup %s",
        o.numBlockOpen(),
        o.trainableParameters(),
        o.trainableParameters() + o.frozenParameters(),
        o.frozen().isEmpty() ? "nothing" : String.join(", ", o.frozen()),
        crop,
        resize,
        randomCrop ? " (random)" : "",
        randomFlip ? "on" : "off",
        mixupAlpha > 0 ? "alpha " + mixupAlpha : "off");
  }

  /** As JSON fields, in snake case like the metrics. */
  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("resize", resize);
    m.put("crop", crop);
    m.put("random_crop", randomCrop);
    m.put("flip", randomFlip);
    m.put("mixup", mixupAlpha);
    m.put("schedule", schedule.clone());
    m.put("base_lr", baseLearningRate);
    m.put("batch", batch);
    m.put("batch_split", batchSplit);
    m.put("num_block_open", openBlocks.numBlockOpen());
    m.put("frozen", List.copyOf(openBlocks.frozen()));
    m.put("trainable_parameters", openBlocks.trainableParameters());
    m.put("frozen_parameters", openBlocks.frozenParameters());
    return m;
  }
}
