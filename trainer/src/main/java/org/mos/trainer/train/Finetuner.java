package org.mos.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.BitKeys;

/**
 * BiT-style finetuning loop: each optimiser step takes {@code batchSize} examples in {@code
 * batchSplit} micro-batches whose gradients accumulate (each micro-batch loss divided by the
 * split), then one SGD-momentum update with the HyperRule learning rate for that step.
 *
 * <p>Everything random (example order, mixup lambda and permutations) is a pure function of the
 * seed and the step number, so a run resumed from a checkpoint at step s continues exactly as the
 * uninterrupted run would.
 *
 * <p>With several devices (data parallelism on one node) micro-batch k of a step runs on device k
 * mod D, each device in its own thread on a mirror of the parameters; the mirrors' gradients are
 * summed into the parameters before the update (see {@link Replicas}), so the update equals the
 * single-device one up to the order of floating-point additions.
 */
public final class Finetuner implements AutoCloseable {

  /**
   * @param batchSize examples per optimiser step (BiT: 512)
   * @param batchSplit micro-batches per step; must divide the batch
   * @param numBlockOpen see {@link OpenBlocks}
   * @param rule schedule, learning rate and mixup
   * @param seed seed of the data order and of mixup
   */
  public record Settings(
      int batchSize, int batchSplit, int numBlockOpen, HyperRule rule, long seed) {
    public Settings {
      if (batchSize < 1 || batchSplit < 1 || batchSize % batchSplit != 0) {
        throw new IllegalArgumentException(
            "batch " + batchSize + " must be a positive multiple of batch split " + batchSplit);
      }
    }
  }

  /** What one optimiser step did. */
  public record StepReport(int step, double learningRate, double loss) {}

  private final ResNetV2 model;
  private final SoftmaxLoss loss;
  private final TrainingData data;
  private final Settings settings;
  private final NDManager manager;
  private final ParameterStore parameterStore;
  private final SgdMomentum optimizer;
  private final List<Device> devices;
  private final Replicas replicas;
  private final OpenBlocks.Summary openBlocks;
  private MixupDraws mixupDraws = MixupDraws.SEEDED;
  private int step;
  private int[] epochOrder;
  private long orderEpoch = -1;

  /** Sets up finetuning of an initialised model; freezes parameters per {@code numBlockOpen}. */
  public Finetuner(
      ResNetV2 model, SoftmaxLoss loss, TrainingData data, Settings settings, NDManager manager) {
    this(model, loss, data, settings, manager, List.of(manager.getDevice()));
  }

  /**
   * Sets up data-parallel finetuning on {@code devices}; the model must live on the first one (that
   * of {@code manager}). One device is the plain single-device loop.
   */
  public Finetuner(
      ResNetV2 model,
      SoftmaxLoss loss,
      TrainingData data,
      Settings settings,
      NDManager manager,
      List<Device> devices) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("no training device given");
    }
    if (!devices.get(0).equals(manager.getDevice())) {
      throw new IllegalArgumentException(
          "the model lives on "
              + manager.getDevice()
              + " but the first training device is "
              + devices.get(0));
    }
    this.model = model;
    this.loss = loss;
    this.data = data;
    this.settings = settings;
    this.manager = manager;
    this.devices = List.copyOf(devices);
    this.openBlocks = OpenBlocks.apply(model, settings.numBlockOpen());
    model.cacheFrozenKernels(true); // frozen weights do not change while this finetuner runs
    this.parameterStore = new ParameterStore(manager, false);
    this.optimizer = new SgdMomentum(BitKeys.of(model), SgdMomentum.BIT_MOMENTUM, manager);
    if (devices.size() == 1) {
      this.replicas = null;
      return;
    }
    this.replicas = new Replicas(devices, manager, BitKeys.of(model));
  }

  /** The devices the micro-batches run on. */
  public List<Device> devices() {
    return devices;
  }

  public ResNetV2 model() {
    return model;
  }

  /** What trains and what is frozen. */
  public OpenBlocks.Summary openBlocks() {
    return openBlocks;
  }

  public SgdMomentum optimizer() {
    return optimizer;
  }

  /** Steps done so far. */
  public int currentStep() {
    return step;
  }

  /** Continues from {@code step} (when resuming from a checkpoint). */
  public void resumeAt(int step) {
    if (step < 0) {
      throw new IllegalArgumentException("step must not be negative: " + step);
    }
    this.step = step;
  }

  /**
   * Tells the finetuner that parameter values were overwritten in place (a restored checkpoint).
   */
  void parametersOverwritten() {
    if (replicas != null) {
      replicas.refresh(); // the mirrors still hold the values from before
    }
    model.cacheFrozenKernels(true);
  }

  public boolean finished() {
    return settings.rule().learningRate(step).isEmpty();
  }

  /**
   * Runs one optimiser step, or returns empty when the schedule is over.
   *
   * @throws UncheckedIOException when the training data cannot be read
   */
  public Optional<StepReport> step() {
    OptionalDouble lr = settings.rule().learningRate(step);
    if (lr.isEmpty()) {
      return Optional.empty();
    }
    long stepSeed = stepSeed(step);
    SplittableRandom random = new SplittableRandom(stepSeed);
    double alpha = settings.rule().mixupAlpha();
    double lambda = alpha > 0 ? mixupDraws.lambda(alpha, random) : 1;
    int split = settings.batchSplit();
    int microSize = settings.batchSize() / split;
    double lossSum = 0;
    int batches = 0;
    try (GradientCollector collector = manager.getEngine().newGradientCollector();
        TrainingData.Batches micro = data.open(stepExamples(step), microSize, stepSeed)) {
      if (settings.rule().learningRate(step + 1).isPresent()) {
        data.prefetch(stepExamples(step + 1), microSize, stepSeed(step + 1));
      }
      int k = 0;
      while (micro.hasNext()) {
        TrainingData.MicroBatch batch = micro.next();
        if (batch.rows() == 0) {
          continue; // every image of this micro-batch was unreadable and skipped
        }
        // drawn here, in micro-batch order, so the devices do not change the randomness
        int[] perm = alpha > 0 ? mixupDraws.permutation(batch.rows(), random) : null;
        // replicas take micro-batches in turn; without replicas everything runs on the model
        int d = replicas == null ? 0 : k % replicas.size();
        ParameterStore store = replicas == null ? parameterStore : replicas.store(d);
        try (NDManager scope =
            replicas == null ? manager.newSubManager() : replicas.manager(d).newSubManager()) {
          NDArray l = microBatchLoss(store, scope, batch, perm, lambda);
          collector.backward(l.div((float) split));
          lossSum += l.getFloat();
        }
        batches++;
        k++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (replicas != null) {
      replicas.reduce(); // sums the mirrors' gradients into the parameters' gradients
    }
    optimizer.step(lr.getAsDouble());
    if (replicas != null) {
      replicas.broadcast();
    }
    step++;
    return Optional.of(
        new StepReport(step - 1, lr.getAsDouble(), batches == 0 ? Double.NaN : lossSum / batches));
  }

  private NDArray microBatchLoss(
      ParameterStore store,
      NDManager scope,
      TrainingData.MicroBatch batch,
      int[] perm,
      double lambda) {
    int[] shape = data.imageShape();
    int imageSize = shape[0] * shape[1] * shape[2];
    int width = data.labelWidth();
    int micro = batch.rows();
    float[] images = batch.images();
    int[] labels = batch.labels();
    Shape inputShape = new Shape(micro, shape[0], shape[1], shape[2]);
    if (perm == null) {
      NDArray logits = forward(store, scope.create(images, inputShape));
      return loss.loss(logits, labelArray(scope, labels, micro, width));
    }
    NDArray logits =
        forward(store, scope.create(Mixup.mix(images, imageSize, perm, lambda), inputShape));
    int[] permuted = new int[micro * width];
    for (int r = 0; r < micro; r++) {
      System.arraycopy(labels, perm[r] * width, permuted, r * width, width);
    }
    NDArray a = loss.loss(logits, labelArray(scope, labels, micro, width));
    NDArray b = loss.loss(logits, labelArray(scope, permuted, micro, width));
    return a.mul((float) lambda).add(b.mul((float) (1 - lambda)));
  }

  private NDArray forward(ParameterStore store, NDArray x) {
    NDList out = model.forward(store, new NDList(x), true);
    return out.get(ResNetV2.OUTPUT_LOGITS);
  }

  private static NDArray labelArray(NDManager scope, int[] labels, int micro, int width) {
    long[] longs = new long[labels.length];
    for (int i = 0; i < labels.length; i++) {
      longs[i] = labels[i];
    }
    return scope.create(longs, width == 1 ? new Shape(micro) : new Shape(micro, width));
  }

  /**
   * Where mixup's lambda and pairings come from: the seeded draws, or (in the parity tests) values
   * given by a reference run.
   */
  interface MixupDraws {
    MixupDraws SEEDED =
        new MixupDraws() {
          @Override
          public double lambda(double alpha, SplittableRandom random) {
            return Mixup.lambda(alpha, random);
          }

          @Override
          public int[] permutation(int rows, SplittableRandom random) {
            return Mixup.permutation(rows, random);
          }
        };

    double lambda(double alpha, SplittableRandom random);

    int[] permutation(int rows, SplittableRandom random);
  }

  /** Replaces the seeded mixup draws (parity tests replay a reference's lambda and pairing). */
  void replayMixup(MixupDraws draws) {
    this.mixupDraws = draws;
  }

  /** Seed of a step's randomness: mixup and the data's preprocessing (crop, flip). */
  private long stepSeed(int step) {
    return settings.seed() ^ (0x9E3779B97F4A7C15L * (step + 1));
  }

  /** The examples of a step, in order. */
  private int[] stepExamples(int step) {
    int[] indices = new int[settings.batchSize()];
    for (int r = 0; r < indices.length; r++) {
      indices[r] = exampleAt((long) step * settings.batchSize() + r);
    }
    return indices;
  }

  /** The example drawn j-th overall: a fresh seeded shuffle of the data every epoch. */
  private int exampleAt(long j) {
    int n = data.size();
    long epoch = j / n;
    if (epoch != orderEpoch) {
      epochOrder = Mixup.permutation(n, new SplittableRandom(settings.seed() * 1_000_003L + epoch));
      orderEpoch = epoch;
    }
    return epochOrder[(int) (j % n)];
  }

  @Override
  public void close() {
    model.cacheFrozenKernels(false);
    if (replicas != null) {
      replicas.close();
    }
    optimizer.close();
  }
}
