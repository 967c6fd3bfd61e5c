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

/**
 * A closed-loop load generator for the scorer on loopback: C clients each send one image per
 * request ({@code POST /v1/models/{model}/score}, raw body) back to back, for N requests in all.
 * Prints p50/p99 latency, throughput and errors per concurrency level.
 *
 * <p>Usage: {@code ScorerLoad PORT MODEL IMAGE.(jpg|png) REQUESTS CONCURRENCY[,CONCURRENCY...]}.
 * Only 127.0.0.1 is ever contacted.
 */
public final class ScorerLoad {

  private ScorerLoad() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String model = args[1];
    Path image = Path.of(args[2]);
    int requests = Integer.parseInt(args[3]);
    int[] levels = Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray();
    byte[] body = Files.readAllBytes(image);
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
    System.out.println("concurrency,requests,p50_ms,p99_ms,throughput_rps,errors");
    for (int c : levels) {
      run(client, request, requests, c);
    }
  }

  private static void run(HttpClient client, HttpRequest request, int total, int concurrency)
      throws Exception {
    long[] latencies = new long[total];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    long start = System.nanoTime();
    List<Future<?>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      workers.add(
          pool.submit(
              () -> {
                for (int i; (i = next.getAndIncrement()) < total; ) {
                  long t0 = System.nanoTime();
                  try {
                    var r = client.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                      errors.incrementAndGet();
                    }
                  } catch (Exception e) {
                    errors.incrementAndGet();
                  }
                  latencies[i] = System.nanoTime() - t0;
                }
                return null;
              }));
    }
    for (Future<?> f : workers) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    Arrays.sort(latencies);
    System.out.printf(
        "%d,%d,%.2f,%.2f,%.1f,%d%n",
        concurrency,
        total,
        latencies[(int) (0.50 * (total - 1))] / 1e6,
        latencies[(int) (0.99 * (total - 1))] / 1e6,
        total / seconds,
        errors.get());
  }
}
