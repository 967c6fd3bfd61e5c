package org.mos.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import org.mos.common.layout.GroupLayout;
import org.mos.common.score.EnergyScore;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.KlLabelSource;
import org.mos.common.score.KlMatchingScore;
import org.mos.common.score.LogitScore;
import org.mos.common.score.MaxLogit;
import org.mos.common.score.MaxSoftmaxProbability;
import org.mos.common.score.MinimumOthersScore;
import org.mos.common.score.OdinScore;

/**
 * Times every logit score on a batch shaped like the paper's ImageNet evaluation: 50,000 x 1008
 * float32 logits (the 8-group layout 398, 521, 9, 7, 52, 8, 3, 2), and KL matching against 1000
 * class means. Compare with {@code bench/python/scores_ref.py}; see {@code bench/scores.md}.
 *
 * <p>Usage: {@code ScoresBench [--rows N] [--threads T] [--repeats R] [--methods a,b]}. The scores
 * run inside a ForkJoinPool of T threads (their parallel loops use the pool they are called from).
 */
public final class ScoresBench {

  private static final int[] PAPER_SIZES = {398, 521, 9, 7, 52, 8, 3, 2};

  private ScoresBench() {}

  public static void main(String[] args) throws Exception {
    int rows = 50_000;
    int threads = Runtime.getRuntime().availableProcessors();
    int repeats = 5;
    List<String> only = null;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
        case "--methods" -> only = Arrays.asList(args[i + 1].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    GroupLayout layout = GroupLayout.ofSizes(PAPER_SIZES);
    int cols = layout.numLogits();
    FloatMatrix logits = FloatMatrix.wrap(randomLogits(rows, cols, 42), rows, cols);
    Map<String, Supplier<LogitScore>> methods = new LinkedHashMap<>();
    methods.put("mos", () -> new MinimumOthersScore(layout));
    methods.put("msp", MaxSoftmaxProbability::new);
    methods.put("maxlogit", MaxLogit::new);
    methods.put("energy", EnergyScore::new);
    methods.put("odin", OdinScore::new);
    methods.put("kl", () -> new KlMatchingScore(randomMeans(1000, cols, 7)));

    System.out.printf(
        "java %s, %d x %d float32 logits, %d threads, %d runs (ms; cpu = process CPU time)%n",
        System.getProperty("java.version"), rows, cols, threads, repeats);
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      for (Map.Entry<String, Supplier<LogitScore>> m : methods.entrySet()) {
        if (only != null && !only.contains(m.getKey())) {
          continue;
        }
        LogitScore score = m.getValue().get();
        int warmups = m.getKey().equals("kl") ? 1 : 3;
        double checksum = 0;
        for (int w = 0; w < warmups; w++) {
          checksum += pool.submit(() -> score.score(logits)).get()[0];
        }
        List<Double> times = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
          long c0 = processCpuNanos();
          long t0 = System.nanoTime();
          double[] s = pool.submit(() -> score.score(logits)).get();
          times.add((System.nanoTime() - t0) / 1e6);
          cpu.add((processCpuNanos() - c0) / 1e6);
          checksum += s[s.length - 1];
        }
        times.sort(null);
        cpu.sort(null);
        System.out.printf(
            "%-9s wall best %8.1f  median %8.1f   cpu best %8.1f   (checksum %.6g)%n",
            m.getKey(), times.get(0), times.get(times.size() / 2), cpu.get(0), checksum);
      }
    } finally {
      pool.shutdown();
    }
  }

  /** CPU time of the whole process (all threads): on a shared, busy machine it varies less. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Gaussian logits with a few confident rows, like a classifier's output. */
  static float[] randomLogits(int rows, int cols, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (gaussian(rnd) * 3);
    }
    return v;
  }

  /** Strictly positive rows summing to 1, like class-mean softmax vectors. */
  static KlClassMeans randomMeans(int classes, int dims, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[][] means = new double[classes][dims];
    int[] ids = new int[classes];
    for (int c = 0; c < classes; c++) {
      ids[c] = c;
      double sum = 0;
      for (int i = 0; i < dims; i++) {
        means[c][i] = rnd.nextDouble() + 1e-3;
        sum += means[c][i];
      }
      for (int i = 0; i < dims; i++) {
        means[c][i] /= sum;
      }
    }
    return new KlClassMeans(KlLabelSource.TRUE_LABELS, ids, means);
  }

  private static double gaussian(SplittableRandom rnd) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
    double u = rnd.nextDouble();
    double w = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
  }
}
