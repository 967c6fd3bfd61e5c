package org.mos.evaluator.transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.mos.common.image.ImageDecodeException;
import org.mos.contract.KafkaContract;
import org.mos.contract.RequestId;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * A scorer for the Kafka test, speaking the same contract as the scorer service's Kafka consumer:
 * one member of the consumer group {@value #GROUP} on the request topic, scoring with {@link
 * ReferenceScores} (BundleModel + BundleScorer), replying on the reply topic keyed by run id with
 * the bundle checksum in a header, committing after it replied (at-least-once). A payload that is
 * not a request gets an error reply with an empty request id.
 */
final class KafkaTestScorer implements AutoCloseable {

  static final String GROUP = KafkaContract.SCORER_GROUP;

  private final ReferenceScores reference;
  private final String replyTopic;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final Thread thread;
  private final long delayMillis;
  private volatile boolean stopped;
  final AtomicInteger replied = new AtomicInteger();
  final AtomicInteger poison = new AtomicInteger();
  final AtomicInteger failedCommits = new AtomicInteger();

  /** Partitions of the request topic this scorer holds (kept by the rebalance listener). */
  final AtomicInteger assigned = new AtomicInteger();

  KafkaTestScorer(String bootstrap, ReferenceScores reference, String name, long delayMillis) {
    this(
        bootstrap,
        reference,
        name,
        delayMillis,
        GROUP,
        KafkaContract.REQUEST_TOPIC,
        KafkaContract.REPLY_TOPIC);
  }

  /**
   * A scorer in its own group on its own topics, so that a test does not wait for the group to drop
   * the members of an earlier test (up to the consumer session timeout, longer when those members
   * could not leave because the broker was down as they closed).
   */
  KafkaTestScorer(
      String bootstrap,
      ReferenceScores reference,
      String name,
      long delayMillis,
      String group,
      String requestTopic,
      String replyTopic) {
    this.replyTopic = replyTopic;
    this.reference = reference;
    this.delayMillis = delayMillis;
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 4);
    // a scorer may subscribe before the evaluator creates the topic: look again soon
    c.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 1000);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    consumer = new KafkaConsumer<>(c);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    producer = new KafkaProducer<>(p);
    consumer.subscribe(
        List.of(requestTopic),
        new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
          @Override
          public void onPartitionsAssigned(
              java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {
            assigned.addAndGet(partitions.size());
          }

          @Override
          public void onPartitionsRevoked(
              java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {
            assigned.addAndGet(-partitions.size());
          }
        });
    thread = new Thread(this::run, name);
    thread.start();
  }

  private void run() {
    try {
      while (!stopped) {
        var records = consumer.poll(Duration.ofMillis(50));
        for (ConsumerRecord<String, byte[]> rec : records) {
          if (stopped) {
            return; // dies mid-batch: these records are not committed and go to another member
          }
          ScoreResponse reply = answer(rec.value());
          var out =
              new ProducerRecord<>(
                  replyTopic,
                  String.valueOf(RequestId.runOf(reply.getRequestId())),
                  reply.toByteArray());
          out.headers()
              .add(
                  KafkaContract.CHECKSUM_HEADER,
                  reference.model.checksum().getBytes(StandardCharsets.UTF_8));
          producer.send(out);
          replied.incrementAndGet();
        }
        producer.flush();
        if (!records.isEmpty()) {
          commit();
        }
      }
    } catch (WakeupException e) {
      // stopped
    } finally {
      consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /**
   * Commits what was answered. A commit that fails (the coordinator moved or restarted, the group
   * rebalanced) is not fatal: those requests are delivered again and answered twice, which the
   * evaluator must count once.
   */
  private void commit() {
    try {
      consumer.commitSync(Duration.ofSeconds(10));
    } catch (WakeupException e) {
      throw e;
    } catch (KafkaException e) {
      failedCommits.incrementAndGet();
    }
  }

  private ScoreResponse answer(byte[] payload) {
    ScoreRequest request;
    try {
      request = ScoreRequest.parseFrom(payload);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      poison.incrementAndGet();
      return ScoreMessages.error("", "", 400, "unreadable request", e.getMessage());
    }
    if (!request.getModel().equals(BundleScorerGrpcServer.MODEL)) {
      return ScoreMessages.error(
          request.getRequestId(), request.getModel(), 404, "unknown model", request.getModel());
    }
    try {
      Thread.sleep(delayMillis);
      var scored =
          reference.score(
              List.of(request.getImages(0).getEncoded().toByteArray()),
              request.getMethodsList(),
              ScoreMessages.odin(request),
              request.getIncludeList());
      return ScoreResponse.newBuilder()
          .setRequestId(request.getRequestId())
          .setModel(request.getModel())
          .addImages(BundleScorerGrpcServer.proto(scored.images().get(0)))
          .build();
    } catch (ImageDecodeException e) {
      return ScoreMessages.error(
          request.getRequestId(), request.getModel(), 400, "undecodable image", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ScoreMessages.error(request.getRequestId(), request.getModel(), 503, "stopping", "");
    }
  }

  /** Stops like a crashed scorer: what it polled and did not answer is not committed. */
  void stop() throws InterruptedException {
    stopped = true;
    thread.join(10_000);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
    producer.close(Duration.ofSeconds(5));
  }
}
