package org.mos.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.mos.common.image.ImageBatch;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.ImagePreprocessor;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PreprocessSpec;
import org.mos.common.image.PreprocessingPipeline;
import org.mos.common.image.RgbImage;

/**
 * Throughput of the paper's test preprocessing (decode, resize 480 bilinear, normalise, CHW
 * float32) on a folder of JPEGs; compare with bench/python/preprocess_ref.py on the same folder.
 *
 * <pre>
 * java -cp ... org.mos.bench.PreprocessBench DIR [REPEATS] [THREADS]
 * </pre>
 */
public final class PreprocessBench {

  private PreprocessBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int threads =
        args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
    }
    List<Path> work = new ArrayList<>();
    for (int r = 0; r < repeats; r++) {
      work.addAll(files);
    }
    ImageDecoder decoder = ImageDecoder.pillowCompatible();
    ImagePreprocessor pre = new ImagePreprocessor(PreprocessSpec.test(480));
    FloatBuffer one =
        ByteBuffer.allocateDirect(4 * pre.spec().floatsPerImage())
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    // warm-up: let the JIT compile the hot loops
    for (int i = 0; i < 3; i++) {
      for (Path f : files) {
        pre.preprocess(decoder.decode(f), one, 0, null);
      }
    }
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long cpu = mx.getCurrentThreadCpuTime();
    long t = System.nanoTime();
    for (Path f : work) {
      pre.preprocess(decoder.decode(f), one, 0, null);
    }
    double single = work.size() / ((System.nanoTime() - t) / 1e9);
    double perCpuSecond = work.size() / ((mx.getCurrentThreadCpuTime() - cpu) / 1e9);

    // the two halves separately, per CPU second of this thread (the machine is shared and noisy)
    List<RgbImage> decoded = new ArrayList<>();
    cpu = mx.getCurrentThreadCpuTime();
    for (Path f : work.subList(0, 2 * files.size())) {
      decoded.add(decoder.decode(f));
    }
    double decodeOnly = decoded.size() / ((mx.getCurrentThreadCpuTime() - cpu) / 1e9);
    cpu = mx.getCurrentThreadCpuTime();
    for (RgbImage img : decoded) {
      pre.preprocess(img, one, 0, null);
    }
    double resizeOnly = decoded.size() / ((mx.getCurrentThreadCpuTime() - cpu) / 1e9);

    double[] multi = pipeline(work, threads);
    System.out.printf("ours: %d images (%d files x %d)%n", work.size(), files.size(), repeats);
    System.out.printf(
        "ours single thread: %.1f images/s wall, %.1f images per CPU second"
            + " (per CPU second: decode only %.1f, resize+normalise only %.1f)%n",
        single, perCpuSecond, decodeOnly, resizeOnly);
    System.out.printf(
        "ours pipeline, %d threads, batch 32: %.1f images/s wall, %.1f images per CPU second%n",
        threads, multi[0], multi[1]);
  }

  /** Wall-clock rate and, as a second value, images per CPU second of the whole process. */
  private static double[] pipeline(List<Path> work, int threads) throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu = os.getProcessCpuTime();
    long t = System.nanoTime();
    int n = 0;
    try (var pipeline =
        PreprocessingPipeline.builder(work, ImageSource::of)
            .setSpec(PreprocessSpec.test(480))
            .optBatchSize(32)
            .optThreads(threads)
            .build()) {
      while (pipeline.hasNext()) {
        ImageBatch batch = pipeline.next();
        n += batch.size();
      }
    }
    double wall = n / ((System.nanoTime() - t) / 1e9);
    return new double[] {wall, n / ((os.getProcessCpuTime() - cpu) / 1e9)};
  }
}
