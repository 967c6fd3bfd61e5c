package org.mos.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.contract.KafkaContract;
import org.mos.contract.RequestId;
import org.mos.scorer.grpc.v1.ImageResult;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * One scorer of the Kafka scaling bench: a member of a consumer group on the request topic that
 * scores what one poll returned as one batch (decode, preprocess, forward pass and scores, with its
 * own {@link BundleModel} on one ONNX Runtime thread), replies keyed by run id with the checksum
 * header, and commits after replying, as the scorer service's Kafka consumer does. Requests are
 * assumed to hold one decodable image (the bench writes them).
 */
final class KafkaBenchScorer implements AutoCloseable {

  private final ModelBundle bundle;
  private final BundleModel model;
  private final BundleScorer scorer;
  private final String checksum;
  private final ImageDecoder decoder = ImageDecoder.pillowCompatible();
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final String replyTopic;
  private final Thread thread;
  private volatile boolean assigned;
  private volatile boolean stopped;

  KafkaBenchScorer(
      String bootstrap, Path bundlePath, String group, String requestTopic, String replyTopic)
      throws IOException {
    bundle = ModelBundle.open(bundlePath);
    model =
        BundleModel.open(
            bundle, new InferenceOptions(org.mos.common.inference.Device.CPU, false, 1));
    scorer = BundleScorer.of(bundle);
    checksum = model.checksum();
    this.replyTopic = replyTopic;
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 16);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    consumer = new KafkaConsumer<>(c);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    producer = new KafkaProducer<>(p);
    consumer.subscribe(List.of(requestTopic));
    thread = new Thread(this::run, "bench-scorer-" + group);
    thread.start();
  }

  /** Whether the group gave this member at least one partition. */
  boolean assigned() {
    return assigned;
  }

  private void run() {
    try {
      while (!stopped) {
        var records = consumer.poll(Duration.ofMillis(50));
        assigned = !consumer.assignment().isEmpty();
        if (records.isEmpty()) {
          continue;
        }
        List<org.mos.scorer.grpc.v1.ScoreRequest> requests = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> rec : records) {
          requests.add(org.mos.scorer.grpc.v1.ScoreRequest.parseFrom(rec.value()));
        }
        reply(requests);
        producer.flush();
        consumer.commitSync();
      }
    } catch (WakeupException e) {
      // closing
    } catch (Exception e) {
      throw new IllegalStateException("bench scorer failed", e);
    } finally {
      consumer.close();
    }
  }

  private void reply(List<org.mos.scorer.grpc.v1.ScoreRequest> requests)
      throws ImageDecodeException {
    ScoreRequest wanted =
        new ScoreRequest(
            requests.get(0).getMethodsList(), ScoreRequest.DEFAULT_TPR, 0, false, false);
    InputBatch batch = model.newInputBatch(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      batch.put(
          i, decoder.decode(requests.get(i).getImages(0).getEncoded().toByteArray(), "image " + i));
    }
    ScoredBatch scored =
        scorer.score(model.run(batch, requests.size(), scorer.requiredOutputs(wanted)), wanted);
    for (int i = 0; i < requests.size(); i++) {
      var img = scored.images().get(i);
      String id = requests.get(i).getRequestId();
      ScoreResponse reply =
          ScoreResponse.newBuilder()
              .setRequestId(id)
              .setModel(requests.get(i).getModel())
              .addImages(
                  ImageResult.newBuilder()
                      .setPredictedClass(img.predictedClass())
                      .putAllScores(img.scores()))
              .build();
      var out = new ProducerRecord<>(replyTopic, RequestId.runOf(id), reply.toByteArray());
      out.headers().add(KafkaContract.CHECKSUM_HEADER, checksum.getBytes(StandardCharsets.UTF_8));
      producer.send(out);
    }
  }

  @Override
  public void close() throws Exception {
    stopped = true;
    thread.join(10_000);
    producer.close(Duration.ofSeconds(5));
    model.close();
    bundle.close();
  }
}
