package org.mos.scorer.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.mos.common.testkit.ImageBombs;
import org.mos.scorer.TestBundles;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.Scorer;
import org.mos.scorer.grpc.v1.Tensor;
import org.mos.scorer.limits.Admission;

/**
 * 64 concurrent worst-case requests of each kind, under the test heap (surefire's {@code -Xmx512m},
 * scorer/pom.xml) and the {@code %test} limits: headers claiming 10^10 pixels, the largest allowed
 * images (4 of 2000 x 2000 per request, 16 million pixels: the whole in-flight budget of 2^24
 * elements), maximum-size bodies and multipart bodies, tensors declaring 3 x 10^10 elements,
 * maximum-size gRPC messages; then all kinds mixed. Only 200, 4xx and 503 (gRPC: OK,
 * INVALID_ARGUMENT, RESOURCE_EXHAUSTED) come back, nothing is left in flight, a good request is
 * scored right after, and the process's peak resident memory stays under 1.5 GiB.
 */
@QuarkusTest
@WithTestResource(TestBundles.class)
class BoundedMemoryResourceTest {

  private static final int CONCURRENT = 64;
  private static final long PEAK_RSS_BOUND_KB = 1536L * 1024;
  private static final Duration WAIT = Duration.ofMinutes(5);
  private static final String SCORE = "/v1/models/flat/score";

  @GrpcClient("scorer")
  Scorer client;

  @Inject Admission admission;

  /** One request kind: sends one request and answers its HTTP-like status. */
  private interface Kind extends Callable<Integer> {}

  private List<Kind> kinds() {
    byte[] bomb = ImageBombs.png(100_000, 100_000);
    byte[] largest = ImageBombs.solidPng(2000, 2000);
    byte[] noise = new byte[100_000];
    new Random(7).nextBytes(noise);
    byte[] maxBody = new byte[1_048_576];
    List<byte[]> fourLargest = Collections.nCopies(4, largest);
    return List.of(
        () -> Hostile.send(Hostile.png(SCORE, bomb)).statusCode(),
        () -> Hostile.send(Hostile.multipart(SCORE, fourLargest)).statusCode(),
        () -> Hostile.send(Hostile.png(SCORE, maxBody)).statusCode(),
        () -> Hostile.send(Hostile.multipart(SCORE, Collections.nCopies(8, noise))).statusCode(),
        () -> grpc(image(tensorBomb())),
        () -> grpc(image(largest), image(largest), image(largest), image(largest)),
        () -> grpc(image(new byte[1_000_000])));
  }

  private static Image image(byte[] encoded) {
    return Image.newBuilder().setEncoded(ByteString.copyFrom(encoded)).build();
  }

  private static Image image(Tensor t) {
    return Image.newBuilder().setTensor(t).build();
  }

  private static Tensor tensorBomb() {
    return Tensor.newBuilder().addShape(3).addShape(100_000).addShape(100_000).build();
  }

  private int grpc(Image... images) {
    ScoreRequest r =
        ScoreRequest.newBuilder()
            .setModel("flat")
            .addMethods("maxlogit")
            .addAllImages(List.of(images))
            .build();
    try {
      client.score(r).await().atMost(WAIT);
      return 200;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      return switch (code) {
        case INVALID_ARGUMENT -> 400;
        case RESOURCE_EXHAUSTED ->
            e.getStatus().getDescription().startsWith("Server busy") ? 503 : 413;
        default -> 500; // anything else fails the test below
      };
    }
  }

  /** Runs {@code requests} all at once (released together) and answers their statuses. */
  private static List<Integer> storm(List<Kind> requests) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(requests.size());
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> futures = new ArrayList<>();
      for (Kind k : requests) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return k.call();
                }));
      }
      start.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> f : futures) {
        statuses.add(f.get());
      }
      return statuses;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentWorstCaseRequestsGetOnly200Or4xxOr503AndMemoryStaysBounded() throws Exception {
    List<Kind> kinds = kinds();
    TreeMap<Integer, Integer> seen = new TreeMap<>();
    boolean anyScored = false;
    for (Kind kind : kinds) {
      List<Integer> statuses = storm(Collections.nCopies(CONCURRENT, kind));
      statuses.forEach(s -> seen.merge(s, 1, Integer::sum));
      anyScored |= statuses.contains(200);
    }
    List<Kind> mixed = new ArrayList<>();
    for (int i = 0; i < CONCURRENT; i++) {
      mixed.add(kinds.get(i % kinds.size()));
    }
    storm(mixed).forEach(s -> seen.merge(s, 1, Integer::sum));

    System.out.printf(
        "BoundedMemoryResourceTest: statuses %s; VmHWM %d kB, VmRSS %d kB, heap max %d MiB%n",
        seen, procStatusKb("VmHWM"), procStatusKb("VmRSS"), Runtime.getRuntime().maxMemory() >> 20);
    assertThat(seen.keySet()).allSatisfy(s -> assertThat(s).isIn(Set.of(200, 400, 413, 503)));
    assertThat(anyScored).as("the largest allowed images are scored when there is room").isTrue();
    assertThat(admission.inFlight()).as("every permit was given back").isZero();
    Hostile.assertStillServes();
    assertThat(procStatusKb("VmHWM")).as("peak resident kB").isLessThan(PEAK_RSS_BOUND_KB);
    assertThat(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax())
        .as("the heap this bound was stated for")
        .isLessThanOrEqualTo(512L << 20);
  }

  /** A field of /proc/self/status in kB (VmHWM: peak resident set; VmRSS: current). */
  private static long procStatusKb(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
      }
    }
    throw new IllegalStateException("no " + field + " in /proc/self/status");
  }
}
