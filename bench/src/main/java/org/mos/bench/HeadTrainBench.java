package org.mos.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mos.common.cache.CachedChunk;
import org.mos.common.cache.ChunkFiles;
import org.mos.common.cache.MappedOutput;
import org.mos.common.inference.BundleModel;
import org.mos.common.io.AtomicFiles;
import org.mos.common.layout.GroupLayout;
import org.mos.common.score.FloatMatrix;
import org.mos.trainer.head.FeatureCache;
import org.mos.trainer.head.HeadTrainer;
import org.mos.trainer.train.HyperRule;

/**
 * One epoch of {@code train --backbone}'s head training ({@link HeadTrainer}: Java around the
 * system BLAS, group softmax loss, SGD momentum) on random cached features, memory-mapped from
 * feature-cache chunks as a real run reads them, then the same epoch in PyTorch 1.13
 * (bench/python/head_train_ref.py, features in memory) in the same run, with the same threads, then
 * the Java epoch again.
 *
 * <p>Usage: {@code HeadTrainBench [rows 100000] [dim 2048] [batch 512] [threads 1] [python
 * /usr/bin/python3]}; the head has MOS's ImageNet layout, 8 groups of 398,521,9,7,52,8,3,2 classes
 * (1,008 logits). Set the BLAS threads alike for the Java process: {@code OPENBLAS_NUM_THREADS=T}
 * (the reference sets it for itself).
 */
public final class HeadTrainBench {

  private static final String SIZES = "398,521,9,7,52,8,3,2";

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private HeadTrainBench() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int dim = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    String python = args.length > 4 ? args[4] : "/usr/bin/python3";
    GroupLayout layout = GroupLayout.ofSizes(SIZES);
    System.out.printf(
        "rows %d dim %d logits %d batch %d threads %d (OPENBLAS_NUM_THREADS %s)%n",
        rows, dim, layout.numLogits(), batch, threads, System.getenv("OPENBLAS_NUM_THREADS"));
    Path dir = Files.createTempDirectory("head-bench-");
    try {
      MappedOutput features = write(dir, rows, dim);
      int[] labels = labels(layout, rows);
      // Java, PyTorch, Java: on a loaded machine the two Java epochs bracket the reference's
      java(features, labels, layout, batch);
      python(python, rows, dim, batch, threads);
      java(features, labels, layout, batch);
    } finally {
      AtomicFiles.deleteTree(dir);
    }
  }

  private static MappedOutput write(Path dir, int rows, int dim) throws IOException {
    int chunk = FeatureCache.DEFAULT_CHUNK_ROWS;
    SplittableRandom random = new SplittableRandom(1);
    int chunks = (rows + chunk - 1) / chunk;
    for (int c = 0; c < chunks; c++) {
      int n = Math.min(chunk, rows - c * chunk);
      int[] images = new int[n];
      float[] values = new float[n * dim];
      for (int i = 0; i < n; i++) {
        images[i] = c * chunk + i;
      }
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) random.nextDouble();
      }
      ChunkFiles.write(
          dir,
          c,
          new CachedChunk(
              images, Map.of(BundleModel.FEATURES, FloatMatrix.wrap(values, n, dim)), List.of()));
    }
    return MappedOutput.open(dir, chunks, BundleModel.FEATURES, rows);
  }

  private static int[] labels(GroupLayout layout, int rows) {
    SplittableRandom random = new SplittableRandom(2);
    int k = layout.numGroups();
    int[] labels = new int[rows * k];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = random.nextInt(layout.sliceLength(i % k));
    }
    return labels;
  }

  private static void java(MappedOutput features, int[] labels, GroupLayout layout, int batch) {
    int steps = features.rows() / batch;
    HyperRule rule = new HyperRule(new int[] {1, steps}, 0.003, 0);
    HeadTrainer.LabelledFeatures data =
        new HeadTrainer.LabelledFeatures(features, labels, layout.numGroups());
    HeadTrainer trainer = new HeadTrainer(layout, data, new HeadTrainer.Settings(batch, rule, 0));
    {
      List<Double> times = new ArrayList<>();
      long start = System.nanoTime();
      long cpu0 = THREADS.getCurrentThreadCpuTime();
      while (!trainer.finished()) {
        long t0 = System.nanoTime();
        trainer.step();
        times.add((System.nanoTime() - t0) / 1e6);
      }
      double epoch = (System.nanoTime() - start) / 1e9;
      double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
      double[] steady = times.subList(3, times.size()).stream().mapToDouble(d -> d).toArray();
      Arrays.sort(steady);
      System.out.printf(
          "java    epoch_s %.2f cpu_s %.2f steady_step_ms %.1f steps %d (%s)%n",
          epoch, cpu, steady[steady.length / 2], times.size(), HeadTrainer.blas());
    }
  }

  private static void python(String python, int rows, int dim, int batch, int threads)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                python,
                "bench/python/head_train_ref.py",
                Integer.toString(rows),
                Integer.toString(dim),
                SIZES,
                Integer.toString(batch),
                Integer.toString(threads))
            .redirectErrorStream(true)
            .start();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        System.out.println(line);
      }
    }
    if (p.waitFor() != 0) {
      throw new IOException("the PyTorch reference failed with exit code " + p.exitValue());
    }
  }
}
