package org.mos.trainer.train;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * BiT-HyperRule: the step schedule and mixup strength chosen from the training-set size, and the
 * learning rate at every step (linear warm-up to the first boundary, then divided by 10 after every
 * later boundary passed, stop at the last), as BiT's {@code bit_hyperrule.py} computes it.
 *
 * @param supports the step boundaries; the last one is the number of steps
 * @param baseLearningRate the peak learning rate, already scaled for the batch size
 * @param mixupAlpha Beta(alpha, alpha) parameter for mixup; 0 means no mixup
 */
public record HyperRule(int[] supports, double baseLearningRate, double mixupAlpha) {

  /** BiT's base learning rate for a batch of {@link #REFERENCE_BATCH}. */
  public static final double BASE_LR = 0.003;

  public static final int REFERENCE_BATCH = 512;

  public HyperRule {
    supports = supports.clone();
    if (supports.length < 2) {
      throw new IllegalArgumentException(
          "a schedule needs a warm-up boundary and an end, got " + Arrays.toString(supports));
    }
    for (int i = 0; i < supports.length; i++) {
      if (supports[i] < 1 || (i > 0 && supports[i] <= supports[i - 1])) {
        throw new IllegalArgumentException(
            "schedule boundaries must be positive and increasing, got "
                + Arrays.toString(supports));
      }
    }
    if (!(baseLearningRate > 0)) {
      throw new IllegalArgumentException(
          "base learning rate must be positive: " + baseLearningRate);
    }
    if (mixupAlpha < 0) {
      throw new IllegalArgumentException("mixup alpha must not be negative: " + mixupAlpha);
    }
  }

  /**
   * The paper's rule for {@code datasetSize} training images at {@code batchSize}: lr = 0.003 *
   * batch / 512.
   */
  public static HyperRule forDataset(long datasetSize, int batchSize) {
    if (datasetSize < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          "dataset size and batch must be positive, got " + datasetSize + " and " + batchSize);
    }
    return new HyperRule(
        schedule(datasetSize), BASE_LR * batchSize / REFERENCE_BATCH, mixup(datasetSize));
  }

  /** BiT's step boundaries by dataset size. */
  public static int[] schedule(long datasetSize) {
    if (datasetSize < 20_000) {
      return new int[] {100, 200, 300, 400, 500};
    } else if (datasetSize < 500_000) {
      return new int[] {500, 3000, 6000, 9000, 10_000};
    }
    return new int[] {500, 6000, 12_000, 18_000, 20_000};
  }

  /** Mixup alpha: 0.1 from 20k images on, none below. */
  public static double mixup(long datasetSize) {
    return datasetSize < 20_000 ? 0.0 : 0.1;
  }

  @Override
  public int[] supports() {
    return supports.clone();
  }

  /** Number of optimiser steps: the last boundary. */
  public int totalSteps() {
    return supports[supports.length - 1];
  }

  /** The learning rate for {@code step} (0-based), or empty once training is over. */
  public OptionalDouble learningRate(int step) {
    if (step < supports[0]) {
      return OptionalDouble.of(baseLearningRate * step / supports[0]);
    }
    if (step >= supports[supports.length - 1]) {
      return OptionalDouble.empty();
    }
    double lr = baseLearningRate;
    for (int i = 1; i < supports.length; i++) {
      if (supports[i] < step) {
        lr /= 10;
      }
    }
    return OptionalDouble.of(lr);
  }

  /** The same rule with another base learning rate (BiT's {@code --base_lr}). */
  public HyperRule withBaseLearningRate(double lr) {
    return new HyperRule(supports, lr, mixupAlpha);
  }

  /** The same rule with other step boundaries, for short runs. */
  public HyperRule withSupports(int... newSupports) {
    return new HyperRule(newSupports, baseLearningRate, mixupAlpha);
  }

  /**
   * The same rule stretched or shrunk to {@code steps} steps: every boundary scaled by {@code steps
   * / totalSteps()} and rounded; boundaries that would coincide are dropped (so a very short run
   * keeps the warm-up and the end).
   */
  public HyperRule withTotalSteps(int steps) {
    if (steps < 2) {
      throw new IllegalArgumentException(
          "steps must be at least 2 (a warm-up boundary and an end), got " + steps);
    }
    int[] scaled = new int[supports.length];
    int n = 0;
    for (int i = 0; i < supports.length; i++) {
      int s =
          i == supports.length - 1
              ? steps
              : (int) Math.round((double) supports[i] * steps / totalSteps());
      s = Math.max(1, Math.min(s, steps - 1 + (i == supports.length - 1 ? 1 : 0)));
      if (n == 0 || s > scaled[n - 1]) {
        scaled[n++] = s;
      }
    }
    return new HyperRule(Arrays.copyOf(scaled, n), baseLearningRate, mixupAlpha);
  }

  /** The same rule with another mixup alpha. */
  public HyperRule withMixupAlpha(double alpha) {
    return new HyperRule(supports, baseLearningRate, alpha);
  }
}
