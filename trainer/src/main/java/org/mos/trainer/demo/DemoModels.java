package org.mos.trainer.demo;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;
import java.util.function.Consumer;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.train.Finetuner;
import org.mos.trainer.train.HyperRule;
import org.mos.trainer.train.InMemoryData;
import org.mos.trainer.train.SoftmaxLoss;

/** Trains the demo's two small ResNetV2 models (group softmax for MOS, flat for the baselines). */
final class DemoModels {

  /** The demo's network: BiT's ResNetV2 with one unit per block and half width. */
  static final int[] UNITS = {1, 1, 1, 1};

  static final int BASE_WIDTH = 32;

  /** What the training settings are; the schedule follows BiT's shape (warm-up, then /10 steps). */
  record Training(int steps, int batch, double learningRate, long seed) {
    HyperRule rule() {
      int warmup = Math.max(1, steps / 20);
      int[] supports = {warmup, steps * 6 / 10, steps * 8 / 10, steps * 9 / 10, steps};
      return new HyperRule(supports, learningRate, 0.0);
    }
  }

  private DemoModels() {}

  /** Builds and trains one model; {@code grouped} picks the group-softmax head and labels. */
  static ResNetV2 train(
      NDManager manager,
      float[][] images,
      int[] flatLabels,
      int[] chw,
      GroupLayout layout,
      boolean grouped,
      Training training,
      Consumer<String> log) {
    int[][] labels = new int[flatLabels.length][];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = grouped ? layout.groupLabels(flatLabels[i]) : new int[] {flatLabels[i]};
    }
    int heads = grouped ? layout.numLogits() : layout.numClasses();
    ResNetV2 model =
        ResNetV2.builder().setUnits(UNITS).optBaseWidth(BASE_WIDTH).setNumClasses(heads).build();
    manager.getEngine().setRandomSeed((int) training.seed());
    model.initialize(manager, DataType.FLOAT32, new Shape(1, chw[0], chw[1], chw[2]));
    SoftmaxLoss loss = grouped ? SoftmaxLoss.grouped(layout) : SoftmaxLoss.flat();
    HyperRule rule = training.rule();
    Finetuner.Settings settings =
        new Finetuner.Settings(training.batch(), 1, -1, rule, training.seed());
    String name = grouped ? "group-softmax" : "flat-softmax";
    long start = System.nanoTime();
    try (Finetuner finetuner =
        new Finetuner(model, loss, new InMemoryData(images, labels, chw), settings, manager)) {
      Optional<Finetuner.StepReport> report;
      double smoothed = Double.NaN;
      while ((report = finetuner.step()).isPresent()) {
        Finetuner.StepReport r = report.get();
        smoothed = Double.isNaN(smoothed) ? r.loss() : 0.9 * smoothed + 0.1 * r.loss();
        int done = r.step() + 1;
        if (done % 25 == 0 || done == rule.totalSteps()) {
          double seconds = (System.nanoTime() - start) / 1e9;
          double rate = done / seconds;
          log.accept(
              String.format(
                  "  %s: step %d/%d  loss %.4f  lr %.4f  %.1f steps/s  ETA %.0f s",
                  name,
                  done,
                  rule.totalSteps(),
                  smoothed,
                  r.learningRate(),
                  rate,
                  (rule.totalSteps() - done) / rate));
        }
      }
    }
    return model;
  }
}
