package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.inference.ImageResult;

/**
 * {@link GrpcTransport} against an in-test gRPC server built on the service generated from the
 * scorer's {@code .proto} and backed by BundleModel + BundleScorer ({@link
 * BundleScorerGrpcServer}).
 */
class GrpcTransportTest {

  @TempDir Path dir;
  private ReferenceScores reference;
  private BundleScorerGrpcServer server;

  @BeforeEach
  void start() throws IOException {
    reference = new ReferenceScores(TransportFixtures.bundle(dir));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    reference.close();
  }

  private GrpcTransport connect(long delayMillis, int batch, int inFlight) throws IOException {
    server = new BundleScorerGrpcServer(reference, delayMillis);
    return GrpcTransport.connect(
        GrpcTransport.Settings.of("localhost:" + server.port(), BundleScorerGrpcServer.MODEL)
            .withWindow(batch, inFlight));
  }

  @Test
  void scoresEqualTheInProcessBundleScorerAndTheBadImageFailsAlone() throws IOException {
    List<ImageTask> tasks = TransportFixtures.images(dir, 11, true);
    Map<Long, ImageResult> expected = reference.scoreAll(tasks);
    try (GrpcTransport grpc = connect(0, 4, 2)) {
      assertThat(grpc.name()).isEqualTo("grpc");
      assertThat(grpc.methods()).containsExactly("msp", "maxlogit", "energy", "odin", "gen");
      assertThat(grpc.modelChecksum()).isEqualTo(reference.model.checksum()).hasSize(64);

      List<ScoredImage> results =
          grpc.score(Multi.createFrom().iterable(tasks), List.of())
              .collect()
              .asList()
              .await()
              .atMost(Duration.ofSeconds(30));

      assertThat(results).extracting(ScoredImage::seq).hasSize(12).doesNotHaveDuplicates();
      assertThat(expected).hasSize(11);
      for (ScoredImage r : results) {
        ImageTask task = tasks.get((int) r.seq());
        assertThat(r.imageId()).isEqualTo(task.imageId());
        assertThat(r.label()).isEqualTo(task.label());
        if (task.imageId().equals("broken.png")) {
          assertThat(r.failed()).isTrue();
          assertThat(r.error()).contains("undecodable image");
          continue;
        }
        ImageResult want = expected.get(r.seq());
        assertThat(r.failed()).as(r.error()).isFalse();
        assertThat(r.predictedClass()).isEqualTo(want.predictedClass());
        assertThat(r.scores().keySet()).isEqualTo(want.scores().keySet());
        want.scores().forEach((m, v) -> assertThat(r.scores().get(m)).isCloseTo(v, within(1e-6)));
      }
      // only the refused request's 4 images were scored again one by one
      assertThat(server.unaryRequests.get()).isEqualTo(4);
      assertThat(server.maxImagesInOneRequest.get()).isEqualTo(4);
    }
  }

  @Test
  void maxLogitOfASolidImageIsTheHandWorkedLogit() throws IOException {
    // the fixture's two halves are equal for grey: f = (128/255 - 0.5) / 0.5 in every channel
    Path grey = dir.resolve("grey.png");
    TransportFixtures.png(grey, 128, 128, 128);
    double f = 2 * 128 / 255.0 - 1;
    try (GrpcTransport grpc = connect(0, 16, 4)) {
      ScoredImage r =
          grpc.score(
                  Multi.createFrom().item(new ImageTask(0, "id", "grey.png", grey, 0)),
                  List.of("maxlogit"))
              .collect()
              .asList()
              .await()
              .atMost(Duration.ofSeconds(30))
              .get(0);
      // logits (f + 0.5, 2f, -f + 0.25): the max is f + 0.5 = class 0
      assertThat(r.predictedClass()).isZero();
      assertThat(r.scores()).containsOnlyKeys("maxlogit");
      assertThat(r.scores().get("maxlogit")).isCloseTo(f + 0.5, within(1e-5));
    }
  }

  @Test
  void keepsAtMostTheWindowOfImagesInFlight() throws IOException {
    List<ImageTask> tasks = TransportFixtures.images(dir, 20, false);
    AtomicLong pulled = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicInteger maxOutstanding = new AtomicInteger();
    try (GrpcTransport grpc = connect(20, 2, 3)) {
      List<ScoredImage> results =
          grpc.score(
                  Multi.createFrom()
                      .iterable(tasks)
                      .onItem()
                      .invoke(
                          t ->
                              maxOutstanding.accumulateAndGet(
                                  (int) (pulled.incrementAndGet() - done.get()), Math::max)),
                  List.of())
              .onItem()
              .invoke(done::incrementAndGet)
              .collect()
              .asList()
              .await()
              .atMost(Duration.ofSeconds(30));
      assertThat(results).hasSize(20);
      assertThat(maxOutstanding.get()).isBetween(2, 6);
      assertThat(server.maxImagesInOneRequest.get()).isEqualTo(2);
    }
  }

  @Test
  void anUnknownModelIsAClearErrorNamingTheServedModels() throws IOException {
    server = new BundleScorerGrpcServer(reference, 0);
    assertThatThrownBy(
            () ->
                GrpcTransport.connect(
                    GrpcTransport.Settings.of("localhost:" + server.port(), "resnet")))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("serves no model 'resnet'")
        .hasMessageContaining("[synthetic]");
  }

  @Test
  void anUnreachableScorerIsAClearError() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    int closed = port;
    assertThatThrownBy(
            () ->
                GrpcTransport.connect(GrpcTransport.Settings.of("grpc://127.0.0.1:" + closed, "m")))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("cannot reach the scorer at 127.0.0.1:" + closed)
        .hasMessageContaining("UNAVAILABLE");
  }

  @Test
  void parsesScorerAddresses() {
    assertThat(ScorerAddress.parse("scorer:9100")).isEqualTo(new ScorerAddress("scorer", 9100));
    assertThat(ScorerAddress.parse("http://10.0.0.5"))
        .isEqualTo(new ScorerAddress("10.0.0.5", 9000));
    assertThatThrownBy(() -> ScorerAddress.parse("https://x:1"))
        .hasMessageContaining("scheme https");
  }
}
