package org.mos.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.train.Finetuner;
import org.mos.trainer.train.HyperRule;
import org.mos.trainer.train.InMemoryData;
import org.mos.trainer.train.SoftmaxLoss;

/**
 * Splits a finetuning step of the trainer's ResNetV2 into forward (with the loss), backward and
 * optimiser update (medians of {@code steps} timed steps, the same calls {@link Finetuner#step}
 * makes), then runs {@code steps} more {@link Finetuner#step}s under libtorch's profiler and writes
 * its chrome trace. Compare with bench/python/train_profile_ref.py; summarise both traces with
 * bench/python/trace_summary.py.
 *
 * <p>Usage: {@code TrainStepProfile variant batch size open steps trace.json}, threads as for
 * {@link TrainStepBench}.
 */
public final class TrainStepProfile {

  private TrainStepProfile() {}

  public static void main(String[] args) {
    org.mos.trainer.config.OneDnnCpuGuard.apply();
    System.setProperty("ai.djl.offline", "true");
    String variant = args[0];
    int batch = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    int open = Integer.parseInt(args[3]);
    int steps = Integer.parseInt(args[4]);
    String trace = args[5];
    InMemoryData data = TrainStepBench.randomData(batch, size);
    HyperRule rule = new HyperRule(new int[] {1, 2 * steps + 4}, 0.003, 0);
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = TrainStepBench.model(variant, manager, size);
      Finetuner.Settings settings = new Finetuner.Settings(batch, 1, open, rule, 1);
      try (Finetuner f = new Finetuner(model, SoftmaxLoss.flat(), data, settings, manager)) {
        f.step();
        f.step();
        double[][] phases = new double[3][steps];
        ParameterStore store = new ParameterStore(manager, false);
        float[] images = new float[batch * 3 * size * size];
        long[] labels = new long[batch];
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (int p = 0; p < images.length; p++) {
          images[p] = (float) (2 * random.nextDouble() - 1);
        }
        for (int i = 0; i < batch; i++) {
          labels[i] = i % 10;
        }
        for (int i = 0; i < steps; i++) {
          long t0;
          long t1;
          long t2;
          try (NDManager scope = manager.newSubManager();
              GradientCollector collector = manager.getEngine().newGradientCollector()) {
            t0 = System.nanoTime();
            NDArray x = scope.create(images, new Shape(batch, 3, size, size));
            NDList out = model.forward(store, new NDList(x), true);
            NDArray loss =
                SoftmaxLoss.flat().loss(out.get(ResNetV2.OUTPUT_LOGITS), scope.create(labels));
            t1 = System.nanoTime();
            collector.backward(loss);
            loss.getFloat();
            t2 = System.nanoTime();
          }
          f.optimizer().step(0.003); // outside the collector, as in Finetuner.step
          long t3 = System.nanoTime();
          phases[0][i] = (t1 - t0) / 1e6;
          phases[1][i] = (t2 - t1) / 1e6;
          phases[2][i] = (t3 - t2) / 1e6;
        }
        System.out.printf(
            "%s batch %d size %d open %d: forward+loss %.1f ms, backward %.1f ms, optimiser %.1f"
                + " ms (medians)%n",
            variant, batch, size, open, median(phases[0]), median(phases[1]), median(phases[2]));
        JniUtils.startProfile(false, Boolean.getBoolean("profile.shapes"), false);
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          f.step();
        }
        double ms = (System.nanoTime() - t0) / 1e6 / steps;
        JniUtils.stopProfile(trace);
        System.out.printf("%.1f ms per profiled step, trace %s%n", ms, trace);
      }
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
