package org.mos.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A closed-loop load generator for the scorer on loopback: C clients each send one image per
 * request ({@code POST /v1/models/{model}/score}, raw body) back to back, for N requests in all.
 * Prints p50/p99 latency, throughput, errors and the mean number of images per ONNX run (from the
 * scorer's {@code mos_scorer_batch_size} metric) per concurrency level, and from the answers'
 * {@code Server-Timing} headers p50/p99 of the latency outside the model's runs and outside the
 * service's own parts (the HTTP layer).
 *
 * <p>Usage: {@code ScorerLoad PORT MODEL IMAGE.(jpg|png) REQUESTS|SECONDSs CONCURRENCY[,...]
 * [BUNDLE_DIR [INTRA_OP_THREADS]]}. With a bundle folder (the one the scorer serves), each level is
 * preceded by the raw-inference baseline at the same concurrency in this JVM ({@link
 * ScorerRawBaseline}: the model alone on the same preprocessed image), and the run starts with raw
 * batch 1/8/16 throughput and the preprocessing time. With {@code -Dscorer.pid=PID} the last column
 * is the scorer's CPU time per image (from {@code /proc}). Only 127.0.0.1 is contacted.
 */
public final class ScorerLoad {

  private ScorerLoad() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String model = args[1];
    Path image = Path.of(args[2]);
    // a count of requests per level, or a duration per level ("600s", for the soak)
    boolean timed = args[3].endsWith("s");
    int requests = timed ? 2_000_000 : Integer.parseInt(args[3]);
    long seconds = timed ? Long.parseLong(args[3].substring(0, args[3].length() - 1)) : 0;
    int[] levels = Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray();
    byte[] body = Files.readAllBytes(image);
    ScorerRawBaseline raw =
        args.length > 5
            ? new ScorerRawBaseline(
                Path.of(args[5]), body, args.length > 6 ? Integer.parseInt(args[6]) : 0)
            : null;
    String type = image.toString().endsWith(".png") ? "image/png" : "image/jpeg";
    URI uri = URI.create("http://127.0.0.1:" + port + "/v1/models/" + model + "/score?methods=mos");
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    // warm-up
    for (int i = 0; i < 20; i++) {
      client.send(request, HttpResponse.BodyHandlers.discarding());
    }
    URI metrics = URI.create("http://127.0.0.1:" + port + "/q/metrics");
    System.out.println(
        "kind,concurrency,requests,p50_ms,p99_ms,throughput_rps,errors,mean_batch,cpu_ms_per_image,"
            + "p50_not_infer_ms,p99_not_infer_ms,p50_http_ms,p99_http_ms");
    long pid = Long.getLong("scorer.pid", -1);
    if (raw != null) {
      raw.printPreprocess(50);
      for (int b : new int[] {1, 8, 16}) {
        raw.printBatch(b, Math.max(3, Math.min(requests, 400) / (2 * b)));
      }
    }
    for (int c : levels) {
      if (raw != null) {
        // the baseline just before the service, so both see the same machine load
        raw.printClosedLoop(c, Math.max(c * 10, Math.min(requests, 400) / 2));
      }
      double[] before = batchSizes(client, metrics);
      double cpu = ScorerRawBaseline.cpuMillis(pid);
      Level level = run(client, request, requests, seconds, c);
      int done = level.done();
      double cpuPerImage = (ScorerRawBaseline.cpuMillis(pid) - cpu) / done;
      double[] after = batchSizes(client, metrics);
      double runs = after[0] - before[0];
      System.out.printf(
          ",%.2f,%.1f,%.2f,%.2f,%.2f,%.2f%n",
          runs > 0 ? (after[1] - before[1]) / runs : Double.NaN,
          cpuPerImage,
          percentile(level.notInfer(), 0.50),
          percentile(level.notInfer(), 0.99),
          percentile(level.http(), 0.50),
          percentile(level.http(), 0.99));
    }
    if (raw != null) {
      raw.close();
    }
  }

  /** {count, sum} of the scorer's batch-size summary (all models), or zeros when absent. */
  private static double[] batchSizes(HttpClient client, URI metrics) throws Exception {
    String text =
        client
            .send(
                HttpRequest.newBuilder(metrics).GET().build(), HttpResponse.BodyHandlers.ofString())
            .body();
    double[] out = new double[2];
    for (String line : text.split("\n")) {
      if (line.startsWith("mos_scorer_batch_size_count")) {
        out[0] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      } else if (line.startsWith("mos_scorer_batch_size_sum")) {
        out[1] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return out;
  }

  /**
   * One level's requests done and, from each answer's {@code Server-Timing} header, in ms: its
   * latency minus the model's time ({@code not_infer}: HTTP, decoding, queueing, scoring) and minus
   * all the service's own parts ({@code http}: the HTTP layer and loopback). NaN where the scorer
   * sent no header ({@code scorer.server-timing=false}).
   */
  record Level(int done, double[] notInfer, double[] http) {}

  private static final Pattern TIMING = Pattern.compile("(\\w+);dur=([0-9.]+)");

  private static double percentile(double[] values, double q) {
    double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
    return v.length == 0 ? Double.NaN : v[(int) (q * (v.length - 1))];
  }

  /** Runs one level and prints its row without the last columns. */
  private static Level run(
      HttpClient client, HttpRequest request, int total, long seconds, int concurrency)
      throws Exception {
    long deadline = seconds > 0 ? System.nanoTime() + seconds * 1_000_000_000L : Long.MAX_VALUE;
    long[] latencies = new long[total];
    double[] notInfer = new double[total];
    double[] http = new double[total];
    Arrays.fill(notInfer, Double.NaN);
    Arrays.fill(http, Double.NaN);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    long start = System.nanoTime();
    List<Future<?>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      workers.add(
          pool.submit(
              () -> {
                for (int i;
                    System.nanoTime() < deadline && (i = next.getAndIncrement()) < total; ) {
                  long t0 = System.nanoTime();
                  String timing = null;
                  try {
                    var r = client.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                      errors.incrementAndGet();
                    }
                    timing = r.headers().firstValue("Server-Timing").orElse(null);
                  } catch (Exception e) {
                    errors.incrementAndGet();
                  }
                  latencies[i] = System.nanoTime() - t0;
                  if (timing != null) {
                    double ms = latencies[i] / 1e6;
                    double inside = 0;
                    Matcher m = TIMING.matcher(timing);
                    while (m.find()) {
                      double d = Double.parseDouble(m.group(2));
                      inside += d;
                      if (m.group(1).equals("infer")) {
                        notInfer[i] = ms - d;
                      }
                    }
                    http[i] = ms - inside;
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : workers) {
      f.get();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    int done = Math.min(next.get(), total);
    long[] sorted = Arrays.copyOf(latencies, done);
    Arrays.sort(sorted);
    System.out.printf(
        "service,%d,%d,%.2f,%.2f,%.1f,%d",
        concurrency,
        done,
        sorted[(int) (0.50 * (done - 1))] / 1e6,
        sorted[(int) (0.99 * (done - 1))] / 1e6,
        done / elapsed,
        errors.get());
    return new Level(done, Arrays.copyOf(notInfer, done), Arrays.copyOf(http, done));
  }
}
