package org.mos.evaluator.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The Kafka client settings and topic set-up of {@link KafkaTransport}. */
final class KafkaClients {

  private KafkaClients() {}

  /**
   * Creates the request topic ({@code partitions}) and the reply topic (1 partition) when missing,
   * with the broker's default replication.
   *
   * @throws TransportException when Kafka does not answer within the connect timeout
   */
  static void createTopics(KafkaTransport.Settings s) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
    int ms = (int) s.connectTimeout().toMillis();
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
    try (Admin admin = Admin.create(p)) {
      var existing = admin.listTopics().names().get(ms, TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      if (!existing.contains(s.requestTopic())) {
        missing.add(new NewTopic(s.requestTopic(), s.partitions(), (short) -1));
      }
      if (!existing.contains(s.replyTopic())) {
        missing.add(new NewTopic(s.replyTopic(), 1, (short) -1));
      }
      for (var f : admin.createTopics(missing).values().values()) {
        try {
          f.get(ms, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
    } catch (TimeoutException | ExecutionException e) {
      throw new TransportException(
          "cannot reach Kafka at "
              + s.bootstrap()
              + " within "
              + s.connectTimeout()
              + " ("
              + e
              + ")",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while connecting to Kafka", e);
    }
  }

  /**
   * Requests: string keys, protobuf bytes, acknowledged by all in-sync replicas, idempotent. A send
   * that meets a restarting or moving broker is retried (retries unbounded, within the client's
   * default delivery timeout of 120 s) and idempotence keeps a retried batch from being written
   * twice. Idempotence is set explicitly: left to its default, a conflicting setting would switch
   * it off silently instead of failing.
   */
  static Properties producerProperties(KafkaTransport.Settings s) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) s.connectTimeout().toMillis());
    return p;
  }

  /** Replies: read without a consumer group, so nothing is committed. */
  static Properties consumerProperties(KafkaTransport.Settings s) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return p;
  }
}
