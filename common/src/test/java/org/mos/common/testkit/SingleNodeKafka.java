package org.mos.common.testkit;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * One combined KRaft node in this JVM (no Docker), set up for one-partition consumer groups without
 * delay: the broker of the scorer's and evaluator's Kafka tests and of KafkaScalingBench. Test
 * code, shipped only in common's test-jar; needs {@code org.apache.kafka:kafka-test-common-runtime}
 * on the class path, which the modules using it declare themselves.
 */
public final class SingleNodeKafka {

  private SingleNodeKafka() {}

  /** Starts the node and waits until its broker is ready; the caller closes it. */
  public static KafkaClusterTestKit start() throws Exception {
    KafkaClusterTestKit cluster =
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
    return cluster;
  }
}
