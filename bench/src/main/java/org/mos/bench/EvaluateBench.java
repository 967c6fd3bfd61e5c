package org.mos.bench;

import io.smallrye.mutiny.Multi;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.Sample;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.metrics.Convention;
import org.mos.evaluator.evaluate.EvaluationRun;
import org.mos.evaluator.evaluate.InProcessTransports;
import org.mos.evaluator.transport.ImageTask;
import org.mos.evaluator.transport.InProcessTransport;
import org.mos.evaluator.transport.ScoredImage;

/**
 * End-to-end throughput of {@code mos evaluate}'s in-process pipeline (decode, preprocess, forward
 * pass, scoring) against the raw inference throughput of the same bundle ({@link BundleModel#run}
 * on tensors made beforehand), on the same machine and thread settings (bench/evaluate.md).
 *
 * <pre>
 * java -cp ... org.mos.bench.EvaluateBench BUNDLE|synthetic IMAGES BATCH THREADS MODEL_THREADS WORK [ROUNDS]
 * </pre>
 *
 * {@code synthetic} writes a linear {@link SyntheticBundle} at 480 px (almost no model cost: the
 * pipeline's own ceiling). IMAGES JPEGs of 500x375 (ImageNet's typical size, smooth content plus
 * noise, ImageIO's default JPEG quality) are written to WORK/images once. Each round times: raw
 * inference over ceil(IMAGES / BATCH) batches; the transport streaming every image (images/s and
 * the share of wall time the model was in its forward pass); and a whole {@code mos evaluate} run
 * (--fresh: half the images as the ID list, half as an OOD folder; includes opening the bundle, the
 * score store and the report).
 */
public final class EvaluateBench {

  private EvaluateBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println(
          "usage: EvaluateBench BUNDLE|synthetic IMAGES BATCH THREADS MODEL_THREADS WORK [ROUNDS]");
      System.exit(2);
    }
    Path work = Path.of(args[5]);
    int images = Integer.parseInt(args[1]);
    int batch = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    int modelThreads = Integer.parseInt(args[4]);
    int rounds = args.length > 6 ? Integer.parseInt(args[6]) : 2;
    Path bundle =
        args[0].equals("synthetic") ? synthetic(work.resolve("synthetic")) : Path.of(args[0]);
    Path imageDir = images(work.resolve("images-" + images), images);
    InferenceOptions options =
        new InferenceOptions(org.mos.common.inference.Device.CPU, false, modelThreads);
    System.out.printf(
        "# bundle %s, %d images, batch %d, %d decode threads, %d model threads, %d cores%n",
        bundle, images, batch, threads, modelThreads, Runtime.getRuntime().availableProcessors());
    System.out.println(
        "round,raw_images_per_s,raw_cpu_ms_per_image,pipeline_images_per_s,"
            + "pipeline_cpu_ms_per_image,ratio,model_busy,command_s,command_images_per_s");
    for (int r = 1; r <= rounds; r++) {
      long cpu0 = cpuNanos();
      double raw = raw(bundle, options, images, batch);
      long cpu1 = cpuNanos();
      double[] pipe = pipeline(bundle, options, imageDir, batch, threads);
      long cpu2 = cpuNanos();
      double command = command(bundle, imageDir, work, batch, threads, modelThreads);
      System.out.printf(
          Locale.ROOT,
          "%d,%.2f,%.1f,%.2f,%.1f,%.3f,%.3f,%.1f,%.2f%n",
          r,
          raw,
          (cpu1 - cpu0) / 1e6 / images,
          pipe[0],
          (cpu2 - cpu1) / 1e6 / images,
          pipe[0] / raw,
          pipe[1],
          command,
          images / command);
    }
  }

  /** CPU time of this process so far (all threads, ONNX Runtime's native ones included). */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Images/s of the forward pass alone, on a batch filled once (after one warm-up run). */
  static double raw(Path bundle, InferenceOptions options, int images, int batch)
      throws IOException {
    try (ModelBundle b = ModelBundle.open(bundle);
        BundleModel model = BundleModel.open(b, options)) {
      InputBatch input = model.newInputBatch(batch);
      float[] chw = new float[input.floatsPerImage()];
      for (int i = 0; i < chw.length; i++) {
        chw[i] = ((i * 7919) % 1000) / 500f - 1;
      }
      for (int s = 0; s < batch; s++) {
        input.put(s, chw);
      }
      model.run(input, batch, List.of(BundleModel.LOGITS));
      int runs = (images + batch - 1) / batch;
      long start = System.nanoTime();
      for (int i = 0; i < runs; i++) {
        model.run(input, batch, List.of(BundleModel.LOGITS));
      }
      return runs * batch / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** Images/s of the in-process transport over every image, and the model's busy share. */
  static double[] pipeline(
      Path bundle, InferenceOptions options, Path imageDir, int batch, int threads)
      throws IOException {
    List<ImageTask> tasks = new ArrayList<>();
    for (Sample s : ImageFiles.list(imageDir)) {
      tasks.add(new ImageTask(tasks.size(), "bench", s.path().toString(), s.path(), -1));
    }
    try (InProcessTransport t =
        InProcessTransport.open(bundle, options, batch, threads, 3, System::nanoTime)) {
      t.model().warmUp();
      long start = System.nanoTime();
      List<ScoredImage> out =
          t.score(Multi.createFrom().iterable(tasks), List.of())
              .collect()
              .asList()
              .await()
              .atMost(Duration.ofHours(2));
      double seconds = (System.nanoTime() - start) / 1e9;
      if (out.stream().anyMatch(ScoredImage::failed)) {
        throw new IllegalStateException("an image failed: " + out);
      }
      return new double[] {tasks.size() / seconds, t.forwardSeconds() / seconds};
    }
  }

  /** Seconds of a whole fresh evaluate run (bundle opening, store and report included). */
  static double command(
      Path bundle, Path imageDir, Path work, int batch, int threads, int modelThreads)
      throws IOException {
    List<Sample> all = ImageFiles.list(imageDir);
    Path idList = work.resolve("id-list.txt");
    Path oodDir = work.resolve("ood");
    if (!Files.exists(idList)) {
      StringBuilder lines = new StringBuilder();
      for (int i = 0; i < all.size() / 2; i++) {
        lines.append(all.get(i).path().toAbsolutePath()).append(" 0\n");
      }
      Files.writeString(idList, lines);
      Files.createDirectories(oodDir);
      for (int i = all.size() / 2; i < all.size(); i++) {
        Files.createLink(oodDir.resolve(all.get(i).path().getFileName()), all.get(i).path());
      }
    }
    EvaluationRun.Options o =
        new EvaluationRun.Options(
            idList.toString(),
            List.of("ood=" + oodDir),
            List.of("bench=" + bundle),
            null,
            Convention.PAPER,
            work.resolve("out"),
            true,
            BadFilePolicy.FAIL,
            null);
    InProcessTransports factory =
        new InProcessTransports(
            new InferenceOptions(org.mos.common.inference.Device.CPU, false, modelThreads),
            batch,
            threads,
            3,
            System::nanoTime);
    long start = System.nanoTime();
    new EvaluationRun(o, factory, System::nanoTime, new PrintWriter(System.err, true), false).run();
    return (System.nanoTime() - start) / 1e9;
  }

  static Path synthetic(Path dir) throws IOException {
    if (!Files.exists(dir.resolve("manifest.json"))) {
      List<String> names = new ArrayList<>();
      float[][] w = new float[10][];
      float[] b = new float[10];
      for (int c = 0; c < 10; c++) {
        names.add("c" + c);
        w[c] = new float[] {c % 3 - 1, (c * 7) % 5 - 2, c / 5f};
      }
      new SyntheticBundle(480, names, null, w, b, Map.of()).writeTo(dir);
    }
    return dir;
  }

  static Path images(Path dir, int count) throws IOException {
    if (Files.isDirectory(dir)) {
      try (var files = Files.list(dir)) {
        if (files.count() == count) {
          return dir;
        }
      }
    }
    Files.createDirectories(dir);
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < count; i++) {
      BufferedImage img = new BufferedImage(500, 375, BufferedImage.TYPE_INT_RGB);
      int r0 = random.nextInt(256);
      int g0 = random.nextInt(256);
      int b0 = random.nextInt(256);
      for (int y = 0; y < 375; y++) {
        for (int x = 0; x < 500; x++) {
          int n = random.nextInt(32);
          int r = (r0 + x / 3 + n) & 255;
          int g = (g0 + y / 2 + n) & 255;
          int b = (b0 + (x + y) / 5) & 255;
          img.setRGB(x, y, (r << 16) | (g << 8) | b);
        }
      }
      ImageIO.write(img, "jpg", dir.resolve(String.format("img%05d.jpg", i)).toFile());
    }
    return dir;
  }
}
