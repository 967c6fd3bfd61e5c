package org.mos.bench;

import java.util.Arrays;
import java.util.Locale;
import org.mos.common.fit.LogisticRegressionCv;
import org.mos.common.fit.MahalanobisAccumulator;
import org.mos.common.score.FloatMatrix;

/**
 * Times the two fits of {@code mos fit} that do real arithmetic: the Mahalanobis combiner ({@link
 * LogisticRegressionCv}, scikit-learn's {@code LogisticRegressionCV()} defaults) on the paper's 500
 * + 500 rows of 5 per-layer scores, and one Mahalanobis layer ({@link MahalanobisAccumulator}:
 * class means, tied covariance, pseudo-inverse) at BiT's block widths. Compare with {@code
 * bench/python/fit_ref.py}, which builds the same data with the same integer formula and prints the
 * same coefficients.
 *
 * <p>Usage: {@code java -cp $CP org.mos.bench.FitBench [--layers-only] [timed runs] [D[:ROWS]...]}
 * (layer width D, fit-set rows, 2,000 by default; {@code --layers-only} skips the combiner).
 */
public final class FitBench {

  private FitBench() {}

  public static void main(String[] args) {
    boolean layersOnly = args.length > 0 && args[0].equals("--layers-only");
    if (layersOnly) {
      args = Arrays.copyOfRange(args, 1, args.length);
    }
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    String[] layers = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : null;
    if (!layersOnly) {
      combiner(runs);
    }
    for (String layer : layers == null ? new String[] {"256", "1024", "2048"} : layers) {
      // D or D:ROWS (2,000 rows by default, the size of the earlier runs)
      String[] parts = layer.split(":");
      int d = Integer.parseInt(parts[0]);
      int rows = parts.length > 1 ? Integer.parseInt(parts[1]) : 2000;
      layer(d, rows, 100, runs);
    }
  }

  private static void combiner(int runs) {
    double[][] x = new double[1000][5];
    int[] y = new int[1000];
    double[] scale = {2, 10, 40, 150, 600};
    for (int i = 0; i < 1000; i++) {
      y[i] = i < 500 ? 0 : 1;
      for (int l = 0; l < 5; l++) {
        double u = MetricsBench.uniform(l + 1, 1000, 0)[i];
        double v = y[i] == 0 ? -scale[l] * (0.5 + u) : -scale[l] * (0.8 + 1.2 * u);
        x[i][l] = (float) v;
      }
    }
    LogisticRegressionCv cv = LogisticRegressionCv.sklearnDefaults();
    LogisticRegressionCv.Result r = cv.fit(x, y);
    System.out.printf(
        Locale.ROOT,
        "lr: C=%s coef=%s intercept=%s%n",
        r.bestC(),
        Arrays.toString(r.model().weights()),
        r.model().intercept());
    for (int i = 0; i < 3; i++) {
      cv.fit(x, y);
    }
    double[] t = new double[runs];
    for (int k = 0; k < runs; k++) {
      long t0 = System.nanoTime();
      cv.fit(x, y);
      t[k] = (System.nanoTime() - t0) / 1e6;
    }
    System.out.printf(Locale.ROOT, "lr 1000x5 CV fit: median %.1f ms%n", median(t));
  }

  /**
   * rows x d features of 'classes' classes, accumulated in batches of 50, then the precision: one
   * first (cold) fit, then {@code runs} timed fits; prints each and the best process CPU time.
   */
  private static void layer(int d, int rows, int classes, int runs) {
    float[] f = new float[rows * d];
    double[] u = MetricsBench.uniform(99, rows * d, 0);
    int[] labels = new int[rows];
    for (int r = 0; r < rows; r++) {
      labels[r] = r % classes;
      for (int i = 0; i < d; i++) {
        f[r * d + i] = (float) (u[r * d + i] + 0.01 * labels[r] * ((i % 7) - 3));
      }
    }
    u = null;
    long best = Long.MAX_VALUE;
    for (int run = 0; run <= runs; run++) {
      long c0 = cpuNanos();
      long t0 = System.nanoTime();
      MahalanobisAccumulator acc = new MahalanobisAccumulator(d);
      for (int r = 0; r < rows; r += 50) {
        int[] yb = Arrays.copyOfRange(labels, r, r + 50);
        acc.add(FloatMatrix.wrap(Arrays.copyOfRange(f, r * d, (r + 50) * d), 50, d), yb);
      }
      long t1 = System.nanoTime();
      var layer = acc.result();
      long t2 = System.nanoTime();
      long c2 = cpuNanos();
      if (run > 0) {
        best = Math.min(best, c2 - c0);
      }
      System.out.printf(
          Locale.ROOT,
          "mahalanobis layer d=%d, %d rows, %d classes, %s: accumulate %.0f ms, means+pinv %.0f ms,"
              + " process cpu %.0f ms (precision[0][0]=%.6g)%n",
          d,
          rows,
          classes,
          run == 0 ? "first run" : "run " + run,
          (t1 - t0) / 1e6,
          (t2 - t1) / 1e6,
          (c2 - c0) / 1e6,
          layer.precision()[0][0]);
    }
    if (runs > 0) {
      System.out.printf(
          Locale.ROOT,
          "mahalanobis layer d=%d, %d rows: best process cpu of %d timed runs %.0f ms%n",
          d,
          rows,
          runs,
          best / 1e6);
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
