package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import kafka.server.BrokerServer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mos.common.inference.ImageResult;
import org.mos.common.metrics.Convention;
import org.mos.common.metrics.OodMetrics;
import org.mos.common.testkit.SingleNodeKafka;

/**
 * {@link KafkaTransport} while the only broker restarts in the middle of a run. The broker is
 * restarted the way Kafka's own test framework does it ({@code ClusterInstance.shutdownBroker} /
 * {@code startBroker}: {@code BrokerServer.shutdown()} then {@code startup()} on the same node): a
 * clean shutdown that keeps the node's log directories and rebinds the same port, so the topics,
 * the committed offsets of the scorers' group and the replies written so far survive. The
 * controller (same combined node) stays up.
 */
class KafkaBrokerRestartIT {

  private static final int IMAGES = 48;
  private static final ScheduledExecutorService TRICKLE =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "trickle");
            t.setDaemon(true);
            return t;
          });

  private static KafkaClusterTestKit cluster;
  private static String bootstrap;
  private static Path dir;
  private static ReferenceScores reference;

  @BeforeAll
  static void startKafka() throws Exception {
    cluster = SingleNodeKafka.start();
    // read once: the kit cannot name the port while the broker is down
    bootstrap = cluster.bootstrapServers();
    dir = Files.createTempDirectory("mos-kafka-restart-");
    reference = new ReferenceScores(TransportFixtures.bundle(dir));
  }

  @AfterAll
  static void stopKafka() throws Exception {
    TRICKLE.shutdownNow();
    reference.close();
    cluster.close();
  }

  @Test
  void aRunSurvivesTheBrokerRestartingMidwayAndCountsEachImageOnce() throws Exception {
    List<ImageTask> tasks = idAndOod(TransportFixtures.images(dir.resolve("run"), IMAGES, false));
    try (KafkaTestScorer a = scorer("restart", "scorer-a", 40);
        KafkaTestScorer b = scorer("restart", "scorer-b", 40);
        KafkaTransport kafka =
            KafkaTransport.connect(
                settings("restart")
                    .withWindow(64) // more than IMAGES: the trickle, not the window, paces sends
                    .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60)))) {
      List<ScoredImage> undisturbed = run(kafka, tasks, -1, null);

      Restart restart = new Restart();
      List<ScoredImage> restarted = run(kafka, tasks, 6, restart);

      assertThat(restart.error.get()).isNull();
      assertThat(restart.resultsWhenDown.get()).isBetween(6, IMAGES - 1);
      // images were still waiting when the broker came back: the run crossed the restart
      assertThat(restart.resultsWhenUp.get()).isLessThan(IMAGES);
      assertThat(restarted).extracting(ScoredImage::seq).hasSize(IMAGES).doesNotHaveDuplicates();
      assertThat(restarted).noneMatch(ScoredImage::failed);
      assertEqualToReference(tasks, restarted);
      for (String method : List.of("msp", "maxlogit", "energy", "odin")) {
        for (Convention c : Convention.values()) {
          assertThat(metrics(restarted, method, c)).isEqualTo(metrics(undisturbed, method, c));
        }
      }
      // every reply a scorer wrote was either counted (probe, one per image per run) or dropped
      int counted = 1 + 2 * IMAGES;
      TransportFixtures.waitFor(
          () -> kafka.droppedReplies() == a.replied.get() + b.replied.get() - counted);
      System.out.printf(
          "broker restart: %d results and %d requests sent before it went down, %d and %d when"
              + " it was back; %d replies dropped as duplicates; %d scorer commits failed%n",
          restart.resultsWhenDown.get(),
          restart.sentWhenDown.get(),
          restart.resultsWhenUp.get(),
          restart.sentWhenUp.get(),
          kafka.droppedReplies(),
          a.failedCommits.get() + b.failedCommits.get());
    }
  }

  @Test
  void aBrokerThatStaysDownFailsTheRunWithinTheIdleTimeoutAndARerunCompletesOnceItIsBack()
      throws Exception {
    List<ImageTask> tasks = TransportFixtures.images(dir.resolve("down"), 12, false);
    BrokerServer broker = cluster.brokers().values().iterator().next();
    // slow enough (12 x 150 ms) that images are still in flight when the broker is gone
    try (KafkaTestScorer a = scorer("down", "scorer-a", 150);
        KafkaTransport kafka =
            KafkaTransport.connect(
                settings("down")
                    .withWindow(4)
                    .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(3)))) {
      AtomicBoolean down = new AtomicBoolean();
      try {
        assertThatThrownBy(
                () ->
                    kafka
                        .score(Multi.createFrom().iterable(tasks), List.of())
                        .onItem()
                        .invoke(
                            r -> {
                              if (down.compareAndSet(false, true)) {
                                new Thread(broker::shutdown, "stop-broker").start();
                              }
                            })
                        .collect()
                        .asList()
                        .await()
                        .atMost(Duration.ofSeconds(60)))
            .isInstanceOf(TransportException.class)
            .hasMessageContaining("no reply for PT3S with")
            .hasMessageContaining("images in flight on down.requests");
      } finally {
        TransportFixtures.waitFor(() -> !down.get() || broker.isShutdown());
        broker.startup();
      }
      List<ScoredImage> rerun = run(kafka, tasks, -1, null);
      assertThat(rerun).extracting(ScoredImage::seq).hasSize(12).doesNotHaveDuplicates();
      assertEqualToReference(tasks, rerun);
    }
  }

  /**
   * A scorer in the test's own consumer group on the test's own topics: a test never waits for the
   * group to drop the scorers of the other test (which, closed while the broker was down, could not
   * leave it), and never sees its requests.
   */
  private static KafkaTestScorer scorer(String lane, String name, long delayMillis) {
    // the topics exist before the scorer subscribes, with the transport's partitions
    KafkaClients.createTopics(settings(lane));
    return new KafkaTestScorer(
        bootstrap,
        reference,
        name,
        delayMillis,
        "mos-scorers-" + lane,
        lane + ".requests",
        lane + ".replies");
  }

  private static KafkaTransport.Settings settings(String lane) {
    return KafkaTransport.Settings.of(bootstrap, "synthetic")
        .withTopics(lane + ".requests", lane + ".replies");
  }

  /** Scores every task; with a restart, restarts the broker once {@code after} results came. */
  private static List<ScoredImage> run(
      KafkaTransport kafka, List<ImageTask> tasks, int after, Restart restart) {
    AtomicInteger seen = new AtomicInteger();
    AtomicBoolean started = new AtomicBoolean();
    Multi<ImageTask> upstream = Multi.createFrom().iterable(tasks);
    if (restart != null) {
      // images trickle in (one per 40 ms, below the window), so the evaluator is publishing
      // when the broker goes down (seen both ways: requests buffered in the producer and sent
      // once it is back, or a send waiting for the topic's metadata, bounded by max.block.ms)
      upstream =
          upstream
              .onItem()
              .call(
                  t ->
                      Uni.createFrom()
                          .voidItem()
                          .onItem()
                          .delayIt()
                          .onExecutor(TRICKLE) // not the common pool, which the broker may hold
                          .by(Duration.ofMillis(40)))
              .onItem()
              .invoke(t -> restart.sent.incrementAndGet());
    }
    return kafka
        .score(upstream, List.of())
        .onItem()
        .invoke(
            r -> {
              int n = seen.incrementAndGet();
              if (restart != null && n >= after && started.compareAndSet(false, true)) {
                new Thread(() -> restart.restartBroker(seen), "restart-broker").start();
              }
            })
        .collect()
        .asList()
        .await()
        .atMost(Duration.ofSeconds(120));
  }

  /** Half the images are the ID set, half the OOD set, so the run has OOD metrics. */
  private static List<ImageTask> idAndOod(List<ImageTask> tasks) {
    List<ImageTask> out = new ArrayList<>();
    for (ImageTask t : tasks) {
      String dataset = t.seq() < tasks.size() / 2 ? "id" : "ood";
      out.add(
          new ImageTask(t.seq(), dataset, t.imageId(), t.path(), dataset.equals("id") ? 0 : -1));
    }
    return out;
  }

  private static OodMetrics metrics(List<ScoredImage> results, String method, Convention c) {
    double[] id = scores(results, method, "id");
    double[] ood = scores(results, method, "ood");
    return OodMetrics.compute(id, ood, c);
  }

  /** The scores of one dataset in seq order (the order results arrive in does not matter). */
  private static double[] scores(List<ScoredImage> results, String method, String dataset) {
    Map<Long, Double> bySeq = new TreeMap<>();
    results.stream()
        .filter(r -> r.dataset().equals(dataset))
        .forEach(r -> bySeq.put(r.seq(), r.scores().get(method)));
    return bySeq.values().stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static void assertEqualToReference(List<ImageTask> tasks, List<ScoredImage> results)
      throws Exception {
    Map<Long, ImageResult> expected = reference.scoreAll(tasks);
    for (ScoredImage r : results) {
      ImageResult want = expected.get(r.seq());
      assertThat(r.predictedClass()).isEqualTo(want.predictedClass());
      want.scores().forEach((m, v) -> assertThat(r.scores().get(m)).isCloseTo(v, within(1e-6)));
    }
  }

  /** Restarts the only broker, recording how many results had come at each step. */
  private static final class Restart {
    final AtomicInteger resultsWhenDown = new AtomicInteger(-1);
    final AtomicInteger resultsWhenUp = new AtomicInteger(-1);
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger sentWhenDown = new AtomicInteger(-1);
    final AtomicInteger sentWhenUp = new AtomicInteger(-1);
    final AtomicReference<Throwable> error = new AtomicReference<>();

    void restartBroker(AtomicInteger seen) {
      try {
        BrokerServer broker = cluster.brokers().values().iterator().next();
        broker.shutdown();
        resultsWhenDown.set(seen.get());
        sentWhenDown.set(sent.get());
        Thread.sleep(1_000); // stay down a moment: in-flight sends and fetches fail and retry
        broker.startup();
        resultsWhenUp.set(seen.get());
        sentWhenUp.set(sent.get());
      } catch (Throwable e) {
        error.set(e);
      }
    }
  }
}
