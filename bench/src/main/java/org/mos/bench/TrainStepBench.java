package org.mos.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.train.Finetuner;
import org.mos.trainer.train.HyperRule;
import org.mos.trainer.train.InMemoryData;
import org.mos.trainer.train.SoftmaxLoss;

/**
 * Times the trainer's DJL ResNetV2 on the CPU: inference forward, and a full finetuning step
 * (forward, backward, SGD-momentum update) with only the head open and with everything open.
 * Compare with bench/python/train_ref.py (same model in PyTorch 1.13, same sizes and threads).
 *
 * <p>Usage: {@code TrainStepBench [variant r50x1|small] [batch] [size] [steps] [warmup]}; set
 * libtorch's threads with {@code -Dai.djl.pytorch.num_threads=N
 * -Dai.djl.pytorch.num_interop_threads=1}.
 */
public final class TrainStepBench {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private TrainStepBench() {}

  public static void main(String[] args) {
    org.mos.trainer.config.OneDnnCpuGuard.apply();
    System.setProperty("ai.djl.offline", "true");
    String variant = args.length > 0 ? args[0] : "r50x1";
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int size = args.length > 2 ? Integer.parseInt(args[2]) : 128;
    int steps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    System.out.printf(
        "variant %s batch %d size %d steps %d warmup %d threads %s%n",
        variant, batch, size, steps, warmup, System.getProperty("ai.djl.pytorch.num_threads"));
    print("forward (inference) ", forward(variant, batch, size, steps, warmup));
    for (int open : new int[] {0, -1}) {
      print(
          String.format("train step open=%-2d  ", open),
          train(variant, batch, size, steps, warmup, open));
    }
  }

  static ResNetV2 model(String variant, NDManager manager, int size) {
    ResNetV2.Builder b = ResNetV2.builder().setNumClasses(10);
    if (variant.equals("small")) {
      b.setUnits(2, 1, 1, 2).optBaseWidth(32);
    } else {
      b.setUnits(3, 4, 6, 3);
    }
    ResNetV2 model = b.build();
    manager.getEngine().setRandomSeed(1);
    model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, size, size));
    return model;
  }

  private static double[][] forward(String variant, int batch, int size, int steps, int warmup) {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = model(variant, manager, size);
      ParameterStore ps = new ParameterStore(manager, false);
      double[][] times = new double[2][steps];
      for (int i = -warmup; i < steps; i++) {
        try (NDManager scope = manager.newSubManager()) {
          NDArray x = scope.randomNormal(new Shape(batch, 3, size, size));
          long t0 = System.nanoTime();
          long c0 = THREADS.getCurrentThreadCpuTime();
          NDList out = model.forward(ps, new NDList(x), false);
          out.get(0).toFloatArray();
          if (i >= 0) {
            times[0][i] = (System.nanoTime() - t0) / 1e6;
            times[1][i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
          }
        }
      }
      return times;
    }
  }

  private static double[][] train(
      String variant, int batch, int size, int steps, int warmup, int numBlockOpen) {
    InMemoryData data = randomData(batch, size);
    HyperRule rule = new HyperRule(new int[] {1, steps + warmup + 1}, 0.003, 0);
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = model(variant, manager, size);
      Finetuner.Settings settings = new Finetuner.Settings(batch, 1, numBlockOpen, rule, 1);
      try (Finetuner f = new Finetuner(model, SoftmaxLoss.flat(), data, settings, manager)) {
        f.step(); // step 0 runs at lr 0; it still fills the momentum buffers
        double[][] times = new double[2][steps];
        for (int i = -warmup; i < steps; i++) {
          long t0 = System.nanoTime();
          long c0 = THREADS.getCurrentThreadCpuTime();
          f.step();
          if (i >= 0) {
            times[0][i] = (System.nanoTime() - t0) / 1e6;
            times[1][i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
          }
        }
        return times;
      }
    }
  }

  /** Two batches of uniform [-1, 1) images with labels 0..9 in turn. */
  static InMemoryData randomData(int batch, int size) {
    SplittableRandom random = new SplittableRandom(3);
    float[][] images = new float[batch * 2][3 * size * size];
    int[][] labels = new int[batch * 2][1];
    for (int i = 0; i < images.length; i++) {
      for (int p = 0; p < images[i].length; p++) {
        images[i][p] = (float) (2 * random.nextDouble() - 1);
      }
      labels[i][0] = i % 10;
    }
    return new InMemoryData(images, labels, 3, size, size);
  }

  /** Wall time (median, min) and the main thread's CPU time (median), which load disturbs less. */
  private static void print(String label, double[][] times) {
    System.out.printf(
        "%s median %.1f ms  min %.1f ms  cpu median %.1f ms%n",
        label, median(times[0]), min(times[0]), median(times[1]));
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
