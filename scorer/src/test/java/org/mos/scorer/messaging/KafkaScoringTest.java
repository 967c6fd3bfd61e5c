package org.mos.scorer.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.testkit.ImageBombs;
import org.mos.contract.KafkaContract;
import org.mos.scorer.TestBundles;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * The scorer's Kafka consumer on an in-process KRaft broker: protobuf requests in, replies keyed by
 * run id with the bundle checksum; a garbage payload first on the one partition gets an error reply
 * and does not hold up the requests behind it. Expected scores worked out by hand for the linear
 * {@code flat} test bundle (logits = W f + b, f = 2 * colour / 255 - 1).
 */
@QuarkusTest
@WithTestResource(TestBundles.class)
@WithTestResource(KafkaBroker.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class KafkaScoringTest {

  private static final String REQUESTS = KafkaContract.REQUEST_TOPIC;
  private static final String REPLIES = KafkaContract.REPLY_TOPIC;

  private static ScoreRequest request(String id, String model, byte[] image) {
    return ScoreRequest.newBuilder()
        .setRequestId(id)
        .setModel(model)
        .addImages(Image.newBuilder().setEncoded(ByteString.copyFrom(image)))
        .addMethods("maxlogit")
        .build();
  }

  @Test
  @Order(1) // it reads the first replies of the topic
  void scoresRequestsAndRepliesWithAnErrorToPoisonWithoutBlocking() throws Exception {
    try (KafkaProducer<String, byte[]> producer = producer()) {
      // the poison goes first: the requests behind it on the same partition must still be scored
      producer.send(
          new ProducerRecord<>(
              REQUESTS, "k", "garbage \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1)));
      producer.send(rec(request("run1/0", "flat", TestBundles.png(255, 0, 51))));
      producer.send(rec(request("run1/1", "flat", TestBundles.png(0, 0, 0))));
      producer.send(
          rec(request("run1/2", "flat", "not an image".getBytes(StandardCharsets.US_ASCII))));
      producer.send(rec(request("run1/3", "resnet", TestBundles.png(0, 0, 0))));
      producer.send(rec(request("run1/4", "flat", TestBundles.png(255, 255, 255))));
      producer.send(
          rec(
              request("run1/5", "flat", TestBundles.png(255, 0, 51)).toBuilder()
                  .clearMethods()
                  .addMethods("odin")
                  .setOdinEps(0.1)
                  .setOdinTemperature(1)
                  .build()));
      producer.flush();
    }
    Map<String, ConsumerRecord<String, byte[]>> replies = readReplies(7);
    Map<String, ScoreResponse> byId = new HashMap<>();
    for (var r : replies.values()) {
      ScoreResponse reply = ScoreResponse.parseFrom(r.value());
      byId.put(reply.getRequestId(), reply);
    }
    assertThat(byId)
        .containsOnlyKeys("", "run1/0", "run1/1", "run1/2", "run1/3", "run1/4", "run1/5");

    assertThat(byId.get("").getError().getStatus()).isEqualTo(400);
    assertThat(byId.get("").getError().getTitle()).isEqualTo("unreadable request");

    // (255, 0, 51): f = (1, -1, -0.6), logits (1.5, -2, 0.85)
    assertScore(byId.get("run1/0"), 0, 1.5);
    // (0, 0, 0): f = (-1, -1, -1), logits (-0.5, -2, 1.25)
    assertScore(byId.get("run1/1"), 2, 1.25);
    // (255, 255, 255): f = (1, 1, 1), logits (1.5, 2, -0.75)
    assertScore(byId.get("run1/4"), 1, 2.0);
    // ODIN settings travel in the request: eps 0.1, T 1 perturb f to (1.1, -1.1, -0.5), logits
    // (1.6, -2.2, 0.75) (worked out in ScoreResourceTest); the bundle's default would be eps 0
    double perturbed = Math.exp(1.6) + Math.exp(-2.2) + Math.exp(0.75);
    assertThat(byId.get("run1/5").getImages(0).getScoresMap().get("odin"))
        .isCloseTo(Math.exp(1.6) / perturbed, within(1e-6));
    assertThat(byId.get("run1/2").getError().getStatus()).isEqualTo(400);
    assertThat(byId.get("run1/3").getError().getStatus()).isEqualTo(404);

    String checksum;
    try (ModelBundle b = ModelBundle.open(TestBundles.modelsDir().resolve("flat"))) {
      checksum = b.checksum();
    }
    ConsumerRecord<String, byte[]> scored = replies.get("run1/0");
    assertThat(scored.key()).isEqualTo("run1");
    assertThat(
            new String(
                scored.headers().lastHeader(KafkaContract.CHECKSUM_HEADER).value(),
                StandardCharsets.UTF_8))
        .isEqualTo(checksum);
  }

  @Test
  @Order(2)
  void hostileRequestsGetErrorRepliesNamingTheCauseAndThePartitionMovesOn() throws Exception {
    ScoreRequest fiveImages = request("run2/1", "flat", TestBundles.png(1, 1, 1));
    for (int i = 0; i < 4; i++) {
      fiveImages = fiveImages.toBuilder().addImages(fiveImages.getImages(0)).build();
    }
    try (KafkaProducer<String, byte[]> producer = producer()) {
      producer.send(rec(request("run2/0", "flat", ImageBombs.png(100_000, 100_000))));
      producer.send(rec(fiveImages));
      producer.send(rec(request("run2/2", "broken", TestBundles.png(0, 0, 0))));
      producer.send(rec(request("run2/3", "..%2Fflat", TestBundles.png(0, 0, 0))));
      producer.send(rec(request("run2/4", "flat", TestBundles.png(0, 0, 0))));
      producer.flush();
    }
    Map<String, ScoreResponse> byId = new HashMap<>();
    for (var r : readReplies(Set.of("run2/0", "run2/1", "run2/2", "run2/3", "run2/4")).values()) {
      ScoreResponse reply = ScoreResponse.parseFrom(r.value());
      byId.put(reply.getRequestId(), reply);
    }
    assertThat(byId.get("run2/0").getError().getStatus()).isEqualTo(413);
    assertThat(byId.get("run2/0").getError().getDetail()).contains("max-image-pixels");
    assertThat(byId.get("run2/1").getError().getStatus()).isEqualTo(413);
    assertThat(byId.get("run2/1").getError().getDetail()).contains("max-images");
    assertThat(byId.get("run2/2").getError().getStatus()).isEqualTo(503);
    assertThat(byId.get("run2/2").getError().getDetail()).contains("failed to load");
    assertThat(byId.get("run2/3").getError().getStatus()).isEqualTo(404);
    // (0, 0, 0): f = (-1, -1, -1), logits (-0.5, -2, 1.25)
    assertScore(byId.get("run2/4"), 2, 1.25);
  }

  private static void assertScore(ScoreResponse reply, int predicted, double maxLogit) {
    assertThat(reply.hasError()).as(reply.getError().getDetail()).isFalse();
    assertThat(reply.getImages(0).getPredictedClass()).isEqualTo(predicted);
    assertThat(reply.getImages(0).getScoresMap().get("maxlogit")).isCloseTo(maxLogit, within(1e-5));
    // replies carry where the request's time went, as gRPC answers do
    assertThat(reply.getTiming().getInferMs()).isPositive();
  }

  /** A request record on the request topic (used by the other transports' tests too). */
  public static ProducerRecord<String, byte[]> rec(ScoreRequest r) {
    return new ProducerRecord<>(REQUESTS, "k", r.toByteArray());
  }

  /** A producer to the test broker. */
  public static KafkaProducer<String, byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /** The replies to the given request ids, read from the start of the reply topic. */
  public static Map<String, ConsumerRecord<String, byte[]>> readReplies(Set<String> ids)
      throws Exception {
    Map<String, ConsumerRecord<String, byte[]>> out = new HashMap<>();
    for (int count = ids.size(); !out.keySet().containsAll(ids); count++) {
      out = readReplies(count);
      if (out.size() < count) {
        break; // nothing more came within readReplies' wait
      }
    }
    out.keySet().retainAll(ids);
    return out;
  }

  /** Replies by request id (the poison's under ""), read from the start of the reply topic. */
  private static Map<String, ConsumerRecord<String, byte[]>> readReplies(int count)
      throws Exception {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrap());
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    Map<String, ConsumerRecord<String, byte[]>> out = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c)) {
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      List<TopicPartition> partitions = List.of();
      while (partitions.isEmpty() && System.nanoTime() < end) {
        partitions =
            consumer.partitionsFor(REPLIES).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        if (partitions.isEmpty()) {
          Thread.sleep(100);
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (out.size() < count && System.nanoTime() < end) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.put(ScoreResponse.parseFrom(r.value()).getRequestId(), r);
        }
      }
    }
    return out;
  }
}
