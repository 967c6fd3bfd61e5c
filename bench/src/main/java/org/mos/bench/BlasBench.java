package org.mos.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.common.linalg.Blas;
import org.mos.common.onnx.LinearHead;
import org.mos.common.score.DiceShaping;
import org.mos.common.score.EnergyScore;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.HeadWeights;
import org.mos.common.score.KnnBank;
import org.mos.common.score.KnnScore;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.ReactShaping;
import org.mos.common.score.ShapedScore;
import org.mos.common.score.VimScore;
import org.mos.common.score.VimStatistics;

/**
 * Times the matrix-product methods on the BLAS of {@link Blas} against {@code
 * bench/python/blas_ref.py}, on the files that script wrote to DIR (run it first): ViM scoring and
 * the head's energy ({@link LinearHead#logits}, a float32 graph head in a float64 product) of
 * 50,000 x 2048 features, DICE's score ({@link DiceShaping} through {@link ShapedScore}, as the
 * scorer runs it: masked float64 head, energy) of the same features, and KNN (K = 50) of 1,000
 * queries against a 100,000 x 2048 bank, whose neighbours must be faiss's. Scores are checked
 * against NumPy's.
 *
 * <p>Usage: {@code java -cp $CP org.mos.bench.BlasBench DIR [repeats] [methods]}
 */
public final class BlasBench {

  private BlasBench() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<String> methods =
        args.length > 2 ? List.of(args[2].split(",")) : List.of("vim", "head", "knn");
    System.out.printf(
        Locale.ROOT,
        "java %s, BLAS %s, OPENBLAS_NUM_THREADS=%s, common pool %d%n",
        System.getProperty("java.version"),
        Blas.implementation(),
        System.getenv("OPENBLAS_NUM_THREADS"),
        java.util.concurrent.ForkJoinPool.commonPool().getParallelism());
    FloatMatrix f = null;
    if (methods.contains("vim")
        || methods.contains("head")
        || methods.contains("dice")
        || methods.contains("react")) {
      f = FloatMatrix.of(Npy.read(dir.resolve("features.npy")));
    }
    if (methods.contains("vim")) {
      FloatMatrix z = FloatMatrix.of(Npy.read(dir.resolve("logits.npy")));
      NpyArray ns = Npy.read(dir.resolve("vim_ns.npy"));
      double[] u = Npy.read(dir.resolve("vim_u.npy")).values();
      VimStatistics s = new VimStatistics(u, u.length - ns.shape()[1], ns.values(), 0.05);
      VimScore vim = new VimScore(s);
      ModelOutputs out = new ModelOutputs(z, f, List.of());
      double[] scores = time("vim 50000x2048", repeats, () -> vim.score(out));
      compare("vim", scores, Npy.read(dir.resolve("vim_numpy_scores.npy")).values());
    }
    if (methods.contains("head")) {
      NpyArray w = Npy.read(dir.resolve("weight.npy"));
      double[] b = Npy.read(dir.resolve("bias.npy")).values();
      float[] bias = new float[b.length];
      for (int i = 0; i < b.length; i++) {
        bias[i] = (float) b[i];
      }
      LinearHead head = new LinearHead("features", "logits", FloatMatrix.of(w), bias);
      EnergyScore energy = new EnergyScore(1);
      FloatMatrix features = f;
      double[] scores =
          time("head energy 50000x2048x1000", repeats, () -> energy.score(head.logits(features)));
      // W and b are float64 in NumPy, float32 in a model's graph: agreement to float32 rounding
      compare("head", scores, Npy.read(dir.resolve("head_numpy_scores.npy")).values());
    }
    if (methods.contains("dice")) {
      NpyArray w = Npy.read(dir.resolve("weight.npy"));
      double[] flat = w.values();
      int classes = w.shape()[0];
      int dim = w.shape()[1];
      double[][] rows = new double[classes][];
      for (int c = 0; c < classes; c++) {
        rows[c] = java.util.Arrays.copyOfRange(flat, c * dim, (c + 1) * dim);
      }
      HeadWeights head = HeadWeights.of(rows, Npy.read(dir.resolve("bias.npy")).values());
      double[] mean = Npy.read(dir.resolve("dice_mean.npy")).values();
      // the mask is fitted state (built once, as the reference's), the scoring is timed
      DiceShaping shaping = new DiceShaping(head, mean, DiceShaping.DEFAULT_PERCENTILE);
      ShapedScore dice = new ShapedScore("dice", shaping, new EnergyScore(1));
      System.out.printf(
          Locale.ROOT,
          "dice (p=70) threshold %.9g, %d weights kept%n",
          shaping.threshold(),
          shaping.keptWeights());
      ModelOutputs out = new ModelOutputs(null, f, List.of());
      double[] scores = time("dice energy 50000x2048x1000", repeats, () -> dice.score(out));
      compare("dice", scores, Npy.read(dir.resolve("dice_numpy_scores.npy")).values());
    }
    if (methods.contains("react")) {
      NpyArray w = Npy.read(dir.resolve("weight.npy"));
      double[] flat = w.values();
      int classes = w.shape()[0];
      int dim = w.shape()[1];
      double[][] rows = new double[classes][];
      for (int c = 0; c < classes; c++) {
        rows[c] = java.util.Arrays.copyOfRange(flat, c * dim, (c + 1) * dim);
      }
      HeadWeights head = HeadWeights.of(rows, Npy.read(dir.resolve("bias.npy")).values());
      // the clip value is fitted state, written by the reference (percentile 90 of all activations)
      double clip = Npy.read(dir.resolve("react_clip.npy")).values()[0];
      ShapedScore react =
          new ShapedScore("react", new ReactShaping(head, clip), new EnergyScore(1));
      ModelOutputs out = new ModelOutputs(null, f, List.of());
      double[] scores = time("react energy 50000x2048x1000", repeats, () -> react.score(out));
      compare("react", scores, Npy.read(dir.resolve("react_numpy_scores.npy")).values());
    }
    if (methods.contains("knn")) {
      FloatMatrix queries = FloatMatrix.of(Npy.read(dir.resolve("knn_queries.npy")));
      double[] scores =
          time(
              "knn K=50, 1000 queries x 100000 bank (open + search)",
              repeats,
              () -> {
                try {
                  KnnScore knn = new KnnScore(KnnBank.open(dir.resolve("knn_bank.npy")), 50);
                  return knn.score(new ModelOutputs(null, queries, List.of()));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      int[][][] rows = {
        new KnnScore(KnnBank.open(dir.resolve("knn_bank.npy")), 50).nearestRows(queries)
      };
      NpyArray faiss = Npy.read(dir.resolve("knn_faiss_neighbours.npy"));
      long[] expected = faiss.longs();
      int same = 0;
      int sameSets = 0;
      for (int q = 0; q < queries.rows(); q++) {
        java.util.Set<Long> a = new java.util.HashSet<>();
        java.util.Set<Long> e = new java.util.HashSet<>();
        boolean identical = true;
        for (int j = 0; j < 50; j++) {
          identical &= rows[0][q][j] == expected[q * 50 + j];
          a.add((long) rows[0][q][j]);
          e.add(expected[q * 50 + j]);
        }
        same += identical ? 1 : 0;
        sameSets += a.equals(e) ? 1 : 0;
      }
      System.out.printf(
          Locale.ROOT,
          "knn neighbours: %d of %d queries identical to faiss in order, %d as sets%n",
          same,
          queries.rows(),
          sameSets);
      compare("knn", scores, Npy.read(dir.resolve("knn_faiss_scores.npy")).values());
    }
  }

  private static double[] time(String what, int repeats, Supplier<double[]> run) {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double[] out = run.get(); // warm-up
    double bestWall = Double.MAX_VALUE;
    double cpuOfBest = 0;
    for (int r = 0; r < repeats; r++) {
      long c0 = os.getProcessCpuTime();
      long w0 = System.nanoTime();
      out = run.get();
      double wall = (System.nanoTime() - w0) / 1e6;
      double cpu = (os.getProcessCpuTime() - c0) / 1e6;
      if (wall < bestWall) {
        bestWall = wall;
        cpuOfBest = cpu;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s: wall %.0f ms, cpu %.0f ms (score[0]=%.6f)%n",
        what,
        bestWall,
        cpuOfBest,
        out[0]);
    return out;
  }

  private static void compare(String what, double[] java, double[] numpy) {
    double worst = 0;
    for (int i = 0; i < java.length; i++) {
      worst = Math.max(worst, Math.abs(java[i] - numpy[i]));
    }
    System.out.printf(Locale.ROOT, "%s: max |java - reference| = %.3g%n", what, worst);
  }
}
