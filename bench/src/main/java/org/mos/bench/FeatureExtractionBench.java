package org.mos.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.cache.MappedOutput;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.Sample;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.io.AtomicFiles;
import org.mos.trainer.head.FeatureCache;

/**
 * How busy {@code mos train --backbone}'s feature extraction keeps the model (bench/import.md;
 * goal: at least 90%, like {@code mos evaluate}, bench/evaluate.md).
 *
 * <pre>
 * java -cp "$CP" org.mos.bench.FeatureExtractionBench BUNDLE WORK IMAGES BATCH THREADS [ROUNDS]
 * </pre>
 *
 * IMAGES is a folder of images (e.g. the demo data) or a count of 500x375 JPEGs to generate under
 * WORK (the images of {@link EvaluateBench}). BATCH and THREADS are {@code train --backbone}'s
 * {@code --extract-batch} and decode threads; the model is opened as the trainer opens it ({@code
 * InferenceOptions.cpu()}). Per round:
 *
 * <ul>
 *   <li><b>raw</b>: {@code BundleModel.run} on one batch filled beforehand (EvaluateBench's raw);
 *   <li><b>extract</b>: the real {@code FeatureCache.extract} into a fresh cache folder, wall time;
 *   <li><b>model busy</b>: the share of the extraction's wall time the calling thread (the one that
 *       runs the model, {@code BundleStream}'s consumer) spent inside ONNX Runtime's {@code
 *       OrtSession.run}, measured by sampling its stack every millisecond (evaluate's measure, the
 *       time inside the forward pass over the wall time, taken without changing the code under
 *       test); the other samples are broken down by where the thread was (waiting for decoded
 *       images, writing chunks, ...).
 * </ul>
 */
public final class FeatureExtractionBench {

  private FeatureExtractionBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println(
          "usage: FeatureExtractionBench BUNDLE WORK IMAGES(folder or count) BATCH THREADS"
              + " [ROUNDS]");
      System.exit(2);
    }
    Path bundle = Path.of(args[0]);
    Path work = Path.of(args[1]);
    int batch = Integer.parseInt(args[3]);
    int threads = Integer.parseInt(args[4]);
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 2;
    Path imageDir =
        Files.isDirectory(Path.of(args[2]))
            ? Path.of(args[2])
            : EvaluateBench.images(work.resolve("images-" + args[2]), Integer.parseInt(args[2]));
    List<Path> paths = ImageFiles.list(imageDir).stream().map(Sample::path).toList();
    System.out.printf(
        "# bundle %s, %d images from %s, batch %d, %d decode threads, %d cores%n",
        bundle, paths.size(), imageDir, batch, threads, Runtime.getRuntime().availableProcessors());
    System.out.println("round,raw_images_per_s,extract_images_per_s,ratio,model_busy,where");
    FeatureCache.Settings settings =
        new FeatureCache.Settings(
            BundleModel.FEATURES,
            batch,
            threads,
            BadFilePolicy.SKIP,
            FeatureCache.DEFAULT_CHUNK_ROWS);
    for (int r = 1; r <= rounds; r++) {
      double raw = EvaluateBench.raw(bundle, InferenceOptions.cpu(), paths.size(), batch);
      Path cache = work.resolve("cache");
      if (Files.exists(cache)) {
        AtomicFiles.deleteTree(cache);
      }
      try (ModelBundle b = ModelBundle.open(bundle);
          BundleModel model = BundleModel.open(b, InferenceOptions.cpu())) {
        model.warmUp();
        StackSampler sampler = new StackSampler(Thread.currentThread());
        sampler.start();
        long start = System.nanoTime();
        MappedOutput f = FeatureCache.extract(model, "bench", paths, cache, settings, line -> {});
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Integer> where = sampler.finish();
        int all = where.values().stream().mapToInt(Integer::intValue).sum();
        double busy = where.getOrDefault("model", 0) / (double) all;
        StringBuilder parts = new StringBuilder();
        int rest = 0;
        for (Map.Entry<String, Integer> e : where.entrySet()) {
          if (e.getKey().startsWith("other:") && e.getValue() < all / 100) {
            rest += e.getValue(); // class loading, allocation, ...: under 1% each
          } else {
            parts.append(
                String.format(Locale.ROOT, "%s %.1f%% ", e.getKey(), 100.0 * e.getValue() / all));
          }
        }
        parts.append(String.format(Locale.ROOT, "other %.1f%%", 100.0 * rest / all));
        double rate = f.rows() / seconds;
        System.out.printf(
            Locale.ROOT,
            "%d,%.2f,%.2f,%.3f,%.3f,%s%n",
            r,
            raw,
            rate,
            rate / raw,
            busy,
            parts.toString().trim());
      }
    }
  }

  /** Samples one thread's stack every millisecond and files each sample under where it was. */
  private static final class StackSampler extends Thread {
    private final Thread target;
    private final Map<String, Integer> counts = new TreeMap<>();
    private volatile boolean running = true;

    StackSampler(Thread target) {
      this.target = target;
      setDaemon(true);
    }

    @Override
    public void run() {
      while (running) {
        String where = classify(target.getStackTrace());
        synchronized (counts) {
          counts.merge(where, 1, Integer::sum);
        }
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    Map<String, Integer> finish() throws InterruptedException {
      running = false;
      join();
      synchronized (counts) {
        return new TreeMap<>(counts);
      }
    }

    private static String classify(StackTraceElement[] stack) {
      for (StackTraceElement e : stack) {
        String c = e.getClassName();
        if (c.startsWith("ai.onnxruntime.OrtSession")) {
          return "model";
        }
        if (c.endsWith("FeatureCache$ChunkBuffer") || c.endsWith("AtomicFiles")) {
          return "chunk-write";
        }
        if (c.endsWith("BundleStream") && e.getMethodName().equals("next")) {
          return "waiting-for-images";
        }
      }
      if (stack.length == 0) {
        return "other";
      }
      String c = stack[0].getClassName();
      return "other:" + c.substring(c.lastIndexOf('.') + 1) + "." + stack[0].getMethodName();
    }
  }
}
