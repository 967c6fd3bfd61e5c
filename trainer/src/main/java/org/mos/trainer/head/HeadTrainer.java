package org.mos.trainer.head;

import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.mos.common.cache.MappedOutput;
import org.mos.common.layout.GroupLayout;
import org.mos.common.linalg.Blas;
import org.mos.trainer.train.Finetuner;
import org.mos.trainer.train.HyperRule;
import org.mos.trainer.train.Mixup;
import org.mos.trainer.train.SgdMomentum;
import org.mos.trainer.train.Validator;

/**
 * Trains a linear head, logits = features W^T + b, on cached frozen features: the paper's head-only
 * finetuning without running the backbone. Plain Java around two BLAS matrix products per step
 * (common's {@link Blas}: netlib's JNI binding of the system BLAS, OpenBLAS on Debian): the logits,
 * and the weight gradient; the loss and its gradient ({@link HeadLoss}: group softmax or flat, as
 * {@code SoftmaxLoss}) and SGD with momentum (as {@link SgdMomentum}: {@code buf = 0.9 buf + grad;
 * w -= lr buf}, the buffer starting at zero, no weight decay) run on arrays. The learning rate of
 * each step comes from the {@link HyperRule}. The head starts at zero (BiT's {@code zero_head}).
 *
 * <p>As in {@link Finetuner}, every step takes {@code batch} examples from a fresh seeded shuffle
 * of the rows per epoch, and mixup (when the rule has it) mixes the features of a step with a
 * seeded permutation of them; everything random is a function of the seed and the step number, so a
 * resumed run repeats an uninterrupted one.
 */
public final class HeadTrainer {

  /**
   * @param batch examples per step
   * @param rule schedule, learning rate and mixup
   * @param seed seed of the example order and mixup
   */
  public record Settings(int batch, HyperRule rule, long seed) {}

  /**
   * Labelled cached features.
   *
   * @param features the rows
   * @param labels {@code rows * width} ints: the label of each row (flat class or group labels)
   * @param width 1 (flat) or the number of groups
   */
  public record LabelledFeatures(MappedOutput features, int[] labels, int width) {

    /** Labels of {@code rows}, row after row. */
    int[] labelsOf(int[] rows) {
      int[] out = new int[rows.length * width];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(labels, rows[i] * width, out, i * width, width);
      }
      return out;
    }
  }

  private final HeadLoss loss;
  private final LabelledFeatures data;
  private final Settings settings;
  private final int dim;
  private final int logits;
  private final float[] weight;
  private final float[] bias;
  private final float[] momentumWeight;
  private final float[] momentumBias;
  private int step;
  private int[] epochOrder;
  private long orderEpoch = -1;

  /** A zero head over {@code data}'s features for {@code layout} (group or flat). */
  public HeadTrainer(GroupLayout layout, LabelledFeatures data, Settings settings) {
    this.loss = new HeadLoss(layout);
    if (data.width() != loss.width()) {
      throw new IllegalArgumentException(
          "labels have " + data.width() + " ints per row but the head needs " + loss.width());
    }
    this.data = data;
    this.settings = settings;
    this.dim = data.features().dim();
    this.logits = layout.numLogits();
    this.weight = new float[logits * dim];
    this.bias = new float[logits];
    this.momentumWeight = new float[weight.length];
    this.momentumBias = new float[logits];
  }

  /** The BLAS the products run on (its class name says whether it is native). */
  public static String blas() {
    return Blas.implementation();
  }

  /** W, row-major (logits x dim): the live array. */
  public float[] weight() {
    return weight;
  }

  /** b, one per logit: the live array. */
  public float[] bias() {
    return bias;
  }

  /** The momentum buffer of W (live). */
  float[] momentumWeight() {
    return momentumWeight;
  }

  /** The momentum buffer of b (live). */
  float[] momentumBias() {
    return momentumBias;
  }

  /** Steps done. */
  public int currentStep() {
    return step;
  }

  /** Continues from {@code step} (when resuming from a checkpoint). */
  public void resumeAt(int step) {
    this.step = step;
  }

  public boolean finished() {
    return settings.rule().learningRate(step).isEmpty();
  }

  /** One optimiser step; the schedule must not be over. */
  public Finetuner.StepReport step() {
    OptionalDouble lr = settings.rule().learningRate(step);
    if (lr.isEmpty()) {
      throw new IllegalStateException("the schedule ended at step " + step);
    }
    SplittableRandom random =
        new SplittableRandom(settings.seed() ^ (0x9E3779B97F4A7C15L * (step + 1)));
    double alpha = settings.rule().mixupAlpha();
    double lambda = alpha > 0 ? Mixup.lambda(alpha, random) : 1;
    int[] rows = stepRows(step);
    int n = rows.length;
    float[] x = new float[n * dim];
    data.features().gather(rows, x);
    int[] labels = data.labelsOf(rows);
    int[] perm = alpha > 0 ? Mixup.permutation(n, random) : null;
    if (perm != null) {
      x = Mixup.mix(x, dim, perm, lambda);
    }
    float[] z = logits(x, n);
    float[] dz = new float[z.length];
    double value;
    if (perm == null) {
      value = loss.loss(z, n, labels, 1, dz);
    } else {
      int w = data.width();
      int[] permuted = new int[labels.length];
      for (int r = 0; r < n; r++) {
        System.arraycopy(labels, perm[r] * w, permuted, r * w, w);
      }
      value = loss.loss(z, n, labels, lambda, dz) + loss.loss(z, n, permuted, 1 - lambda, dz);
    }
    update(x, dz, n, lr.getAsDouble());
    step++;
    return new Finetuner.StepReport(step - 1, lr.getAsDouble(), value);
  }

  /** gradW = dz^T x, gradb = column sums of dz, then the momentum update. */
  private void update(float[] x, float[] dz, int n, double lr) {
    float[] gradWeight = new float[weight.length];
    Blas.multiplyTransposedA(dz, n, logits, x, dim, gradWeight);
    float[] gradBias = new float[logits];
    for (int r = 0; r < n; r++) {
      int base = r * logits;
      for (int c = 0; c < logits; c++) {
        gradBias[c] += dz[base + c];
      }
    }
    momentum(weight, momentumWeight, gradWeight, (float) lr);
    momentum(bias, momentumBias, gradBias, (float) lr);
  }

  private static void momentum(float[] w, float[] buf, float[] grad, float lr) {
    float m = (float) SgdMomentum.BIT_MOMENTUM;
    for (int i = 0; i < w.length; i++) {
      buf[i] = m * buf[i] + grad[i];
      w[i] -= lr * buf[i];
    }
  }

  /** x W^T + b for {@code n} rows of x, row-major (n x logits). */
  float[] logits(float[] x, int n) {
    float[] z = new float[n * logits];
    for (int r = 0; r < n; r++) {
      System.arraycopy(bias, 0, z, r * logits, logits);
    }
    Blas.addMultiplyTransposedB(x, n, dim, weight, logits, z);
    return z;
  }

  /** Mean loss and top-1 (group rule in group mode) of the current head on {@code val}. */
  public Validator.Result validate(LabelledFeatures val, GroupLayout layout) {
    int total = val.features().rows();
    int batch = 1024;
    double lossSum = 0;
    int hits = 0;
    for (int from = 0; from < total; from += batch) {
      int n = Math.min(batch, total - from);
      int[] rows = new int[n];
      for (int i = 0; i < n; i++) {
        rows[i] = from + i;
      }
      float[] x = new float[n * dim];
      val.features().gather(rows, x);
      int[] labels = val.labelsOf(rows);
      float[] z = logits(x, n);
      lossSum += loss.loss(z, n, labels, 1, null) * n;
      hits += Validator.hits(z, n, labels, layout);
    }
    return new Validator.Result(lossSum / total, (double) hits / total, total);
  }

  /** The rows of a step: consecutive draws from a fresh seeded shuffle of the rows per epoch. */
  private int[] stepRows(int step) {
    int[] rows = new int[settings.batch()];
    int n = data.features().rows();
    for (int r = 0; r < rows.length; r++) {
      long j = (long) step * settings.batch() + r;
      long epoch = j / n;
      if (epoch != orderEpoch) {
        epochOrder =
            Mixup.permutation(n, new SplittableRandom(settings.seed() * 1_000_003L + epoch));
        orderEpoch = epoch;
      }
      rows[r] = epochOrder[(int) (j % n)];
    }
    return rows;
  }
}
