package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.score.OdinSettings;

/**
 * The in-memory messaging transport through the application's real channels: requests on {@code
 * mos-score-requests}, the in-process scoring processor, replies on {@code mos-score-replies}.
 */
@QuarkusTest
class InMemoryMessagingTransportTest {

  @Inject MessagingTransports transports;

  @Test
  void scoresEqualTheInProcessBundleScorerAndABadImageFailsAlone() throws IOException {
    Path dir = Files.createTempDirectory("mos-in-memory-");
    Path bundle = TransportFixtures.bundle(dir);
    List<ImageTask> tasks = TransportFixtures.images(dir, 15, true);
    Map<Long, ImageResult> expected;
    try (ReferenceScores reference = new ReferenceScores(bundle)) {
      expected = reference.scoreAll(tasks);
    }
    AtomicLong pulled = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicInteger maxOutstanding = new AtomicInteger();
    try (ScoringTransport messaging = transports.inMemory(bundle, InferenceOptions.cpu(), 3)) {
      assertThat(messaging.name()).isEqualTo("messaging");
      assertThat(messaging.methods()).containsExactly("msp", "maxlogit", "energy", "odin", "gen");
      List<ScoredImage> results =
          messaging
              .score(
                  Multi.createFrom()
                      .iterable(tasks)
                      .onItem()
                      .invoke(
                          t ->
                              maxOutstanding.accumulateAndGet(
                                  (int) (pulled.incrementAndGet() - done.get()), Math::max)),
                  List.of("energy", "msp"))
              .onItem()
              .invoke(done::incrementAndGet)
              .collect()
              .asList()
              .await()
              .atMost(Duration.ofSeconds(30));

      assertThat(results).extracting(ScoredImage::seq).hasSize(16).doesNotHaveDuplicates();
      assertThat(maxOutstanding.get()).isBetween(1, 3);
      for (ScoredImage r : results) {
        ImageTask task = tasks.get((int) r.seq());
        assertThat(r.dataset()).isEqualTo(task.dataset());
        if (task.imageId().equals("broken.png")) {
          assertThat(r.failed()).isTrue();
          assertThat(r.error()).startsWith("undecodable image");
          continue;
        }
        ImageResult want = expected.get(r.seq());
        assertThat(r.error()).isNull();
        assertThat(r.predictedClass()).isEqualTo(want.predictedClass());
        assertThat(r.scores()).containsOnlyKeys("energy", "msp");
        assertThat(r.scores().get("energy")).isCloseTo(want.scores().get("energy"), within(1e-6));
        assertThat(r.scores().get("msp")).isCloseTo(want.scores().get("msp"), within(1e-6));
      }
    }
  }

  @Test
  void odinSettingsAndMahalanobisPerturbationReachTheProcessor() throws Exception {
    Path dir = Files.createTempDirectory("mos-in-memory-perturbed-");
    Path bundle = PerturbationFixtures.bundle(dir);
    List<ImageTask> tasks = TransportFixtures.images(dir, 5, false);
    OdinSettings odin = new OdinSettings(0.05, 2);
    try (ScoringTransport messaging = transports.inMemory(bundle, InferenceOptions.cpu(), 3);
        ReferenceScores reference = new ReferenceScores(bundle)) {
      List<ScoredImage> results =
          messaging
              .score(Multi.createFrom().iterable(tasks), List.of("odin", "mahalanobis"), odin)
              .collect()
              .asList()
              .await()
              .atMost(Duration.ofSeconds(30));
      assertThat(results).hasSize(5);
      for (ScoredImage r : results) {
        List<byte[]> image = List.of(Files.readAllBytes(tasks.get((int) r.seq()).path()));
        Map<String, Double> want =
            reference.score(image, List.of("odin", "mahalanobis"), odin).images().get(0).scores();
        Map<String, Double> plain =
            reference
                .score(image, List.of("odin"), new OdinSettings(0, 2))
                .images()
                .get(0)
                .scores();
        assertThat(r.error()).isNull();
        assertThat(r.scores().get("odin")).isCloseTo(want.get("odin"), within(1e-6));
        assertThat(r.scores().get("odin")).isNotCloseTo(plain.get("odin"), within(1e-6));
        assertThat(r.scores().get("mahalanobis")).isCloseTo(want.get("mahalanobis"), within(1e-6));
      }
    }
  }
}
