package org.mos.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;
import org.mos.common.metrics.Convention;
import org.mos.common.metrics.OodMetrics;
import org.mos.common.metrics.ScoreRanking;
import org.mos.common.testkit.SplitMix64;

/**
 * Times the metrics of both conventions on 1M ID + 1M OOD scores; compare with {@code
 * bench/python/metrics_ref.py}, which generates the same scores with the same integer formula and
 * prints the same metrics.
 *
 * <p>Usage: {@code java -cp common/target/classes:bench/target/classes org.mos.bench.MetricsBench
 * [n] [timed runs]}
 */
public final class MetricsBench {

  private MetricsBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    // ID scores uniform on [0.25, 1.25), OOD uniform on [0, 1): AUROC = 1 - 0.75^2 / 2 ~ 0.719.
    double[] id = uniform(11, n, 0.25);
    double[] ood = uniform(12, n, 0.0);
    System.out.printf(
        Locale.ROOT, "MetricsBench: %,d ID + %,d OOD scores, %d timed runs%n", n, n, runs);

    report("paper, first call", once(() -> OodMetrics.compute(id, ood, Convention.PAPER)));
    report("openood, first call", once(() -> OodMetrics.compute(id, ood, Convention.OPENOOD)));
    timeSteady("paper", runs, () -> OodMetrics.compute(id, ood, Convention.PAPER));
    timeSteady("openood", runs, () -> OodMetrics.compute(id, ood, Convention.OPENOOD));
    timeSteady(
        "both conventions, one ranking",
        runs,
        () -> {
          ScoreRanking r = ScoreRanking.of(id, ood);
          r.metrics(Convention.PAPER);
          return r.metrics(Convention.OPENOOD);
        });
    ScoreRanking r = ScoreRanking.of(id, ood);
    timeSteady("  ranking only (sort + merge)", runs, () -> ScoreRanking.of(id, ood));
    timeSteady("  metrics on a built ranking, paper", runs, () -> r.metrics(Convention.PAPER));
    timeSteady("  metrics on a built ranking, openood", runs, () -> r.metrics(Convention.OPENOOD));
    System.out.println("paper   " + r.metrics(Convention.PAPER));
    System.out.println("openood " + r.metrics(Convention.OPENOOD));
  }

  /** (splitmix64(seed * 2^32 + i) >>> 11) * 2^-53 + offset, as metrics_ref.py computes it. */
  static double[] uniform(long seed, int n, double offset) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = (SplitMix64.at(seed, i) >>> 11) * 0x1.0p-53 + offset;
    }
    return out;
  }

  private record Timed(double millis, Object result) {}

  private static Timed once(Supplier<?> task) {
    long t0 = System.nanoTime();
    Object result = task.get();
    return new Timed((System.nanoTime() - t0) / 1e6, result);
  }

  private static void report(String label, Timed t) {
    System.out.printf(Locale.ROOT, "%-40s %9.1f ms%n", label, t.millis());
  }

  private static void timeSteady(String label, int runs, Supplier<?> task) {
    for (int i = 0; i < 5; i++) {
      task.get(); // JIT warm-up
    }
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      ms[i] = once(task).millis();
    }
    Arrays.sort(ms);
    System.out.printf(
        Locale.ROOT,
        "%-40s %9.1f ms median, %.1f min, %.1f max (after warm-up)%n",
        label,
        ms[runs / 2],
        ms[0],
        ms[runs - 1]);
  }
}
