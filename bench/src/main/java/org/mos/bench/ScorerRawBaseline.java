package org.mos.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.RgbImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.Device;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;

/**
 * The raw-inference baseline of the scorer load test: the served bundle opened in this JVM with the
 * scorer's ONNX Runtime settings, run on the same image the load test sends, decoded and
 * preprocessed once. What it times is {@link BundleModel#run} for {@code logits} and nothing else
 * (no HTTP, no JPEG decoding, no resizing, no scoring), so that "service minus raw" is the
 * service's overhead.
 *
 * <ul>
 *   <li>{@code raw-closed-loop}: C threads each run batch 1 back to back on the shared session,
 *       like C clients of a service that does nothing but inference (p50/p99, images/s);
 *   <li>{@code raw-batch}: one thread runs batches of B images (the last column; p50/p99 in ms per
 *       batch, throughput in images/s): the upper bound of what micro-batching can gain here;
 *   <li>{@code preprocess}: decoding the image and the model's test preprocessing, per image.
 * </ul>
 *
 * The last column is the CPU time per image of this process during the measurement.
 *
 * <p>Standalone: {@code ScorerRawBaseline BUNDLE IMAGE ITERATIONS CONCURRENCY[,..] BATCH[,..]
 * [INTRA_OP_THREADS]}.
 */
public final class ScorerRawBaseline implements AutoCloseable {

  private final ModelBundle bundle;
  private final BundleModel model;
  private final float[] chw;
  private final byte[] encoded;

  /** Opens the bundle as the scorer does ({@code intraOpThreads} 0 = ONNX Runtime's choice). */
  public ScorerRawBaseline(Path bundleDir, byte[] encodedImage, int intraOpThreads)
      throws Exception {
    this.bundle = ModelBundle.open(bundleDir);
    this.model = BundleModel.open(bundle, new InferenceOptions(Device.CPU, false, intraOpThreads));
    this.encoded = encodedImage;
    this.chw = model.preprocess(ImageDecoder.pillowCompatible().decode(encodedImage, "image"));
    model.warmUp();
  }

  public static void main(String[] args) throws Exception {
    byte[] image = java.nio.file.Files.readAllBytes(Path.of(args[1]));
    int iterations = Integer.parseInt(args[2]);
    int threads = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    try (ScorerRawBaseline raw = new ScorerRawBaseline(Path.of(args[0]), image, threads)) {
      raw.printPreprocess(Math.max(20, iterations / 4));
      for (int b : ints(args[4])) {
        raw.printBatch(b, Math.max(3, iterations / b));
      }
      for (int c : ints(args[3])) {
        raw.printClosedLoop(c, iterations);
      }
    }
  }

  static int[] ints(String list) {
    return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  /** Times decoding + preprocessing of the image, one thread. */
  public void printPreprocess(int iterations) throws Exception {
    ImageDecoder decoder = ImageDecoder.pillowCompatible();
    long[] t = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      RgbImage img = decoder.decode(encoded, "image");
      model.preprocess(img);
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    System.out.printf(
        "preprocess,1,%d,%.2f,%.2f,-,0,-,-%n", iterations, pct(t, 0.50) / 1e6, pct(t, 0.99) / 1e6);
  }

  /** Times batches of {@code size} copies of the image, one thread; one warm-up run. */
  public void printBatch(int size, int iterations) {
    InputBatch batch = model.newInputBatch(size);
    for (int s = 0; s < size; s++) {
      batch.put(s, chw);
    }
    model.run(batch, size, List.of(BundleModel.LOGITS));
    long[] t = new long[iterations];
    double cpu = selfCpuMillis();
    long start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      model.run(batch, size, List.of(BundleModel.LOGITS));
      t[i] = System.nanoTime() - t0;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Arrays.sort(t);
    System.out.printf(
        "raw-batch,1,%d,%.2f,%.2f,%.1f,0,%d,%.1f%n",
        iterations,
        pct(t, 0.50) / 1e6,
        pct(t, 0.99) / 1e6,
        size * iterations / seconds,
        size,
        (selfCpuMillis() - cpu) / (size * iterations));
  }

  /** C threads, each running batch 1 back to back, {@code total} runs in all. */
  public void printClosedLoop(int concurrency, int total) throws Exception {
    long[] t = new long[total];
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    List<Future<?>> workers = new ArrayList<>();
    double cpu = selfCpuMillis();
    long start = System.nanoTime();
    for (int w = 0; w < concurrency; w++) {
      workers.add(
          pool.submit(
              () -> {
                InputBatch batch = model.newInputBatch(1);
                for (int i; (i = next.getAndIncrement()) < total; ) {
                  long t0 = System.nanoTime();
                  batch.put(0, chw);
                  model.run(batch, 1, List.of(BundleModel.LOGITS));
                  t[i] = System.nanoTime() - t0;
                }
                return null;
              }));
    }
    for (Future<?> f : workers) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    Arrays.sort(t);
    System.out.printf(
        "raw-closed-loop,%d,%d,%.2f,%.2f,%.1f,0,1,%.1f%n",
        concurrency,
        total,
        pct(t, 0.50) / 1e6,
        pct(t, 0.99) / 1e6,
        total / seconds,
        (selfCpuMillis() - cpu) / total);
  }

  /**
   * CPU time (user + system, ms) a process has used so far, from {@code /proc/PID/stat}: on a
   * shared machine the CPU time per image, unlike wall time, does not depend on the share of the
   * cores this process got from the other tenants.
   */
  static double cpuMillis(long pid) {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name, in ticks
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
    } catch (java.io.IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  static double selfCpuMillis() {
    return cpuMillis(ProcessHandle.current().pid());
  }

  static long pct(long[] sorted, double q) {
    return sorted[(int) (q * (sorted.length - 1))];
  }

  @Override
  public void close() throws Exception {
    model.close();
    bundle.close();
  }
}
