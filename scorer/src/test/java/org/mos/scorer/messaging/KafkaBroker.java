package org.mos.scorer.messaging;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * An in-process KRaft broker ({@code KafkaClusterTestKit}, no Docker) started before the scorer,
 * which is pointed at it with Kafka scoring on.
 */
public class KafkaBroker implements QuarkusTestResourceLifecycleManager {

  static KafkaClusterTestKit cluster;

  @Override
  public Map<String, String> start() {
    try {
      cluster =
          new KafkaClusterTestKit.Builder(
                  new TestKitNodes.Builder()
                      .setCombined(true)
                      .setNumBrokerNodes(1)
                      .setNumControllerNodes(1)
                      .build())
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("offsets.topic.num.partitions", "1")
              .setConfigProp("group.initial.rebalance.delay.ms", "0")
              .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      throw new IllegalStateException("the test Kafka broker did not start", e);
    }
    return Map.of(
        "scorer.kafka.enabled", "true", "scorer.kafka.bootstrap", cluster.bootstrapServers());
  }

  static String bootstrap() {
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
