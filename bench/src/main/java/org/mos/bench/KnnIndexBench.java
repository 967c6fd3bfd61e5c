package org.mos.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.KnnBank;
import org.mos.common.score.KnnIndex;
import org.mos.common.score.KnnScore;
import org.mos.common.score.ModelOutputs;

/**
 * KNN's HNSW index ({@link KnnIndex}, jvector) against the exact search, on the files {@code
 * bench/python/knn_index_ref.py} wrote to DIR (run it first; it times faiss {@code IndexHNSWFlat}
 * with the same M, efConstruction and efSearch): build time, search time of 1,000 queries with K =
 * 50, recall@50 against faiss {@code IndexFlatL2}'s exact neighbours, and how many K-th distances
 * (the score) equal the exact search's.
 *
 * <p>Usage: {@code java -cp $CP org.mos.bench.KnnIndexBench DIR [M] [efConstruction] [efSearch]}
 */
public final class KnnIndexBench {

  private static final int K = 50;

  private KnnIndexBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int m = args.length > 1 ? Integer.parseInt(args[1]) : KnnIndex.DEFAULT_M;
    int efc = args.length > 2 ? Integer.parseInt(args[2]) : KnnIndex.DEFAULT_EF_CONSTRUCTION;
    int efs = args.length > 3 ? Integer.parseInt(args[3]) : KnnIndex.DEFAULT_EF_SEARCH;
    KnnBank bank = KnnBank.open(dir.resolve("knn_index_bank.npy"));
    FloatMatrix queries = FloatMatrix.of(Npy.read(dir.resolve("knn_index_queries.npy")));
    NpyArray exactFile = Npy.read(dir.resolve("knn_index_exact.npy"));
    System.out.printf(
        Locale.ROOT,
        "java %s, common pool %d, bank %d x %d, %d queries, K %d, M %d, efConstruction %d,"
            + " efSearch %d%n",
        System.getProperty("java.version"),
        java.util.concurrent.ForkJoinPool.commonPool().getParallelism(),
        bank.rows(),
        bank.dims(),
        queries.rows(),
        K,
        m,
        efc,
        efs);
    Path file = Files.createTempFile(dir, "knn_index", ".jvector");
    try {
      time(
          "jvector HNSW build",
          () -> {
            KnnIndex.build(bank, m, efc, file);
            return null;
          });
      try (KnnIndex index = KnnIndex.open(file, bank, efs)) {
        KnnScore approximate = new KnnScore(bank, K, index);
        KnnScore exact = new KnnScore(bank, K);
        approximate.nearestRows(rowsOf(queries, 10)); // warm-up
        int[][] found = time("jvector HNSW search", () -> approximate.nearestRows(queries));
        long hits = 0;
        for (int i = 0; i < found.length; i++) {
          Set<Long> truth = new HashSet<>();
          for (int j = 0; j < K; j++) {
            truth.add((long) exactFile.values()[i * K + j]);
          }
          for (int row : found[i]) {
            hits += truth.contains((long) row) ? 1 : 0;
          }
        }
        System.out.printf(
            Locale.ROOT, "jvector HNSW recall@%d %.4f%n", K, hits / (double) (found.length * K));
        ModelOutputs out = new ModelOutputs(null, queries, List.of());
        double[] a =
            time("jvector HNSW score (search + K distances)", () -> approximate.score(out));
        exact.score(new ModelOutputs(null, rowsOf(queries, 10), List.of())); // warm-up
        double[] e = time("exact blocked search score", () -> exact.score(out));
        int same = 0;
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
          same += a[i] == e[i] ? 1 : 0;
          worst = Math.max(worst, a[i] - e[i] < 0 ? e[i] - a[i] : 0);
        }
        System.out.printf(
            Locale.ROOT,
            "K-th distance equal to the exact search's for %d of %d queries (largest gap %.3g)%n",
            same,
            a.length,
            worst);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static FloatMatrix rowsOf(FloatMatrix m, int rows) {
    return FloatMatrix.wrap(java.util.Arrays.copyOf(m.toArray(), rows * m.cols()), rows, m.cols());
  }

  private static <T> T time(String what, Callable<T> run) throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long c0 = os.getProcessCpuTime();
    long w0 = System.nanoTime();
    T out = run.call();
    System.out.printf(
        Locale.ROOT,
        "%s: wall %.0f ms, cpu %.0f ms%n",
        what,
        (System.nanoTime() - w0) / 1e6,
        (os.getProcessCpuTime() - c0) / 1e6);
    return out;
  }

  static {
    // jvector logs through java.util.logging; keep the bench's output to its numbers
    java.util.logging.Logger.getLogger("io.github.jbellis")
        .setLevel(java.util.logging.Level.WARNING);
  }
}
