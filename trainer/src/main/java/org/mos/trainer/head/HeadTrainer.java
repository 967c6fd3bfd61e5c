package org.mos.trainer.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.train.Finetuner;
import org.mos.trainer.train.HyperRule;
import org.mos.trainer.train.Mixup;
import org.mos.trainer.train.SgdMomentum;
import org.mos.trainer.train.SoftmaxLoss;
import org.mos.trainer.train.Validator;

/**
 * Trains a linear head, logits = features W^T + b, on cached frozen features: the paper's head-only
 * finetuning without running the backbone. DJL's PyTorch engine computes the forward, the loss
 * ({@link SoftmaxLoss}, group or flat) and the gradients; {@link SgdMomentum} updates W and b with
 * the {@link HyperRule} learning rate of each step. The head starts at zero (BiT's {@code
 * zero_head}).
 *
 * <p>As in {@link Finetuner}, every step takes {@code batch} examples from a fresh seeded shuffle
 * of the rows per epoch, and mixup (when the rule has it) mixes the features of a step with a
 * seeded permutation of them; everything random is a function of the seed and the step number, so a
 * resumed run repeats an uninterrupted one.
 */
public final class HeadTrainer implements AutoCloseable {

  /** The weight parameter's name (classes x dim), in checkpoints too. */
  public static final String WEIGHT = "weight";

  /** The bias parameter's name (classes). */
  public static final String BIAS = "bias";

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
  public record LabelledFeatures(CachedFeatures features, int[] labels, int width) {

    /** Labels of {@code rows}, row after row. */
    int[] labelsOf(int[] rows) {
      int[] out = new int[rows.length * width];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(labels, rows[i] * width, out, i * width, width);
      }
      return out;
    }
  }

  private final NDManager manager;
  private final Linear head;
  private final ParameterStore store;
  private final SgdMomentum optimizer;
  private final SoftmaxLoss loss;
  private final LabelledFeatures data;
  private final Settings settings;
  private final int dim;
  private int step;
  private int[] epochOrder;
  private long orderEpoch = -1;

  /** A zero head of {@code numLogits} outputs over {@code data}'s features. */
  public HeadTrainer(
      int numLogits, SoftmaxLoss loss, LabelledFeatures data, Settings settings, NDManager parent) {
    this.manager = parent.newSubManager();
    this.dim = data.features().dim();
    this.head = Linear.builder().setUnits(numLogits).build();
    head.initialize(manager, DataType.FLOAT32, new Shape(1, dim));
    for (Parameter p : parameters().values()) {
      NDArray a = p.getArray();
      a.set(FloatBuffer.wrap(new float[Math.toIntExact(a.size())]));
    }
    this.store = new ParameterStore(manager, false);
    this.optimizer = new SgdMomentum(parameters(), SgdMomentum.BIT_MOMENTUM, manager);
    this.loss = loss;
    this.data = data;
    this.settings = settings;
  }

  /** W and b by name ({@value #WEIGHT}, {@value #BIAS}). */
  public Map<String, Parameter> parameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    head.getParameters().forEach(p -> named.put(p.getKey(), p.getValue()));
    return named;
  }

  public SgdMomentum optimizer() {
    return optimizer;
  }

  /** W, row-major (classes x dim). */
  public float[] weight() {
    return parameters().get(WEIGHT).getArray().toFloatArray();
  }

  /** b, one per class. */
  public float[] bias() {
    return parameters().get(BIAS).getArray().toFloatArray();
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
    double value;
    try (NDManager scope = manager.newSubManager();
        GradientCollector collector = manager.getEngine().newGradientCollector()) {
      NDArray logits = forward(scope.create(x, new Shape(n, dim)), true);
      NDArray l = loss.loss(logits, labelArray(scope, labels, n));
      if (perm != null) {
        int[] permuted = new int[labels.length];
        int w = data.width();
        for (int r = 0; r < n; r++) {
          System.arraycopy(labels, perm[r] * w, permuted, r * w, w);
        }
        NDArray b = loss.loss(logits, labelArray(scope, permuted, n));
        l = l.mul((float) lambda).add(b.mul((float) (1 - lambda)));
      }
      collector.backward(l);
      value = l.getFloat();
    }
    optimizer.step(lr.getAsDouble());
    step++;
    return new Finetuner.StepReport(step - 1, lr.getAsDouble(), value);
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
      float[] x = new float[n * val.features().dim()];
      val.features().gather(rows, x);
      int[] labels = val.labelsOf(rows);
      try (NDManager scope = manager.newSubManager()) {
        NDArray logits = forward(scope.create(x, new Shape(n, dim)), false);
        lossSum += loss.loss(logits, labelArray(scope, labels, n)).getFloat() * n;
        hits += Validator.hits(logits.toFloatArray(), n, labels, layout);
      }
    }
    return new Validator.Result(lossSum / total, (double) hits / total, total);
  }

  private NDArray forward(NDArray x, boolean training) {
    return head.forward(store, new NDList(x), training).singletonOrThrow();
  }

  private NDArray labelArray(NDManager scope, int[] labels, int n) {
    long[] longs = new long[labels.length];
    for (int i = 0; i < labels.length; i++) {
      longs[i] = labels[i];
    }
    return scope.create(longs, data.width() == 1 ? new Shape(n) : new Shape(n, data.width()));
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

  @Override
  public void close() {
    optimizer.close();
    manager.close();
  }
}
