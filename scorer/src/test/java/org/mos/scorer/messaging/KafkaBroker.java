package org.mos.scorer.messaging;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.mos.common.testkit.SingleNodeKafka;

/**
 * An in-process KRaft broker ({@code KafkaClusterTestKit}, no Docker) started before the scorer,
 * which is pointed at it with Kafka scoring on.
 */
public class KafkaBroker implements QuarkusTestResourceLifecycleManager {

  static KafkaClusterTestKit cluster;

  @Override
  public Map<String, String> start() {
    try {
      cluster = SingleNodeKafka.start();
    } catch (Exception e) {
      throw new IllegalStateException("the test Kafka broker did not start", e);
    }
    return Map.of(
        "scorer.kafka.enabled", "true", "scorer.kafka.bootstrap", cluster.bootstrapServers());
  }

  /** The broker's bootstrap servers. */
  public static String bootstrap() {
    return cluster.bootstrapServers();
  }

  @Override
  public void stop() {
    try {
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException("the test Kafka broker did not stop", e);
    }
  }
}
