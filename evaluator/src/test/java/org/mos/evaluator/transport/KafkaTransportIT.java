package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mos.common.inference.ImageResult;
import org.mos.common.testkit.SingleNodeKafka;
import org.mos.contract.KafkaContract;

/**
 * {@link KafkaTransport} against an in-process KRaft broker ({@code KafkaClusterTestKit}, no
 * Docker) and test scorers in one consumer group backed by BundleModel + BundleScorer.
 */
class KafkaTransportIT {

  private static KafkaClusterTestKit cluster;
  private static Path dir;
  private static Path bundle;
  private static ReferenceScores reference;
  private final List<KafkaTestScorer> scorers = new ArrayList<>();

  @BeforeAll
  static void startKafka() throws Exception {
    cluster = SingleNodeKafka.start();
    dir = Files.createTempDirectory("mos-kafka-transport-");
    bundle = TransportFixtures.bundle(dir);
    reference = new ReferenceScores(bundle);
  }

  @AfterAll
  static void stopKafka() throws Exception {
    reference.close();
    cluster.close();
  }

  @AfterEach
  void stopScorers() throws InterruptedException {
    for (KafkaTestScorer s : scorers) {
      s.close();
    }
  }

  private KafkaTestScorer scorer(String name, long delayMillis) {
    KafkaTestScorer s =
        new KafkaTestScorer(cluster.bootstrapServers(), reference, name, delayMillis);
    scorers.add(s);
    return s;
  }

  private static KafkaTransport.Settings settings(String model) {
    return KafkaTransport.Settings.of(cluster.bootstrapServers(), model)
        .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));
  }

  private static void assertEqualToReference(List<ImageTask> tasks, List<ScoredImage> results)
      throws IOException {
    Map<Long, ImageResult> expected = reference.scoreAll(tasks);
    assertThat(results).extracting(ScoredImage::seq).hasSize(tasks.size()).doesNotHaveDuplicates();
    for (ScoredImage r : results) {
      ImageResult want = expected.get(r.seq());
      if (want == null) {
        assertThat(r.failed()).isTrue();
        assertThat(r.error()).startsWith("undecodable image");
        continue;
      }
      assertThat(r.error()).isNull();
      assertThat(r.predictedClass()).isEqualTo(want.predictedClass());
      assertThat(r.scores().keySet()).isEqualTo(want.scores().keySet());
      want.scores().forEach((m, v) -> assertThat(r.scores().get(m)).isCloseTo(v, within(1e-6)));
    }
  }

  @Test
  void scoresEqualTheInProcessBundleScorerAndABadImageFailsAlone() throws IOException {
    scorer("scorer-a", 0);
    List<ImageTask> tasks = TransportFixtures.images(dir.resolve("one"), 12, true);
    try (KafkaTransport kafka = KafkaTransport.connect(settings("synthetic").withWindow(4))) {
      assertThat(kafka.name()).isEqualTo("kafka");
      assertThat(kafka.methods()).containsExactly("msp", "maxlogit", "energy", "odin", "gen");
      assertThat(kafka.modelChecksum()).isEqualTo(reference.model.checksum());
      List<ScoredImage> results =
          kafka
              .score(Multi.createFrom().iterable(tasks), List.of())
              .collect()
              .asList()
              .await()
              .atMost(Duration.ofSeconds(60));
      assertEqualToReference(tasks, results);
      assertThat(results).filteredOn(ScoredImage::failed).hasSize(1);
    }
  }

  @Test
  void aRunSurvivesAScorerStoppingMidwayAndAPoisonMessage() throws Exception {
    KafkaTestScorer a = scorer("scorer-a", 15);
    KafkaTestScorer b = scorer("scorer-b", 15);
    List<ImageTask> tasks = TransportFixtures.images(dir.resolve("two"), 40, false);
    try (KafkaTransport kafka = KafkaTransport.connect(settings("synthetic").withWindow(8));
        KafkaProducer<String, byte[]> raw = rawProducer()) {
      raw.send(
              new ProducerRecord<>(
                  KafkaContract.REQUEST_TOPIC,
                  "garbage",
                  "not a protobuf request \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1)))
          .get();
      // both scorers must hold partitions before the run, or scorer-a may get no work to stop in
      TransportFixtures.waitFor(() -> a.assigned.get() > 0 && b.assigned.get() > 0);
      AtomicBoolean stopping = new AtomicBoolean();
      List<ScoredImage> results =
          kafka
              .score(Multi.createFrom().iterable(tasks), List.of("energy"))
              .onItem()
              .invoke(
                  r -> {
                    if (a.replied.get() >= 5 && stopping.compareAndSet(false, true)) {
                      new Thread(this::stopA).start();
                    }
                  })
              .collect()
              .asList()
              .await()
              .atMost(Duration.ofSeconds(90));
      assertThat(stopping).isTrue();
      assertThat(results).extracting(ScoredImage::seq).hasSize(40).doesNotHaveDuplicates();
      assertThat(results).noneMatch(ScoredImage::failed);
      assertThat(b.replied.get()).isPositive();
      Map<Long, ImageResult> expected = reference.scoreAll(tasks);
      for (ScoredImage r : results) {
        assertThat(r.scores().get("energy"))
            .isCloseTo(expected.get(r.seq()).scores().get("energy"), within(1e-6));
      }
      // the poison message got an error reply (reported, not attributable to a run)
      TransportFixtures.waitFor(() -> a.poison.get() + b.poison.get() >= 1);
      TransportFixtures.waitFor(() -> kafka.droppedReplies() >= 1);
    }
  }

  private void stopA() {
    try {
      scorers.get(0).stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void theScorersRefusingTheModelIsAClearError() {
    scorer("scorer-a", 0);
    assertThatThrownBy(() -> KafkaTransport.connect(settings("resnet")))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("refused model 'resnet'")
        .hasMessageContaining("unknown model");
  }

  @Test
  void unreachableKafkaIsAClearError() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String bootstrap = "127.0.0.1:" + port;
    assertThatThrownBy(
            () ->
                KafkaTransport.connect(
                    KafkaTransport.Settings.of(bootstrap, "synthetic")
                        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("cannot reach Kafka at " + bootstrap);
  }

  @Test
  void noScorerIsAClearError() {
    assertThatThrownBy(
            () ->
                KafkaTransport.connect(
                    settings("synthetic")
                        .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(3))))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("no scorer answered within PT3S on topic mos.score.requests");
  }

  private static KafkaProducer<String, byte[]> rawProducer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }
}
