package org.mos.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Kafka overlay's wiring: the Strimzi cluster, its topics and node pools, and the scorer's and
 * evaluator's settings: the scorer's keys (scorer.kafka.enabled, kafka.bootstrap.servers and the
 * mp.messaging channels score-requests and score-replies) and the evaluator's {@code mos evaluate}
 * options {@code --kafka}, {@code --kafka-request-topic} and {@code --kafka-reply-topic}.
 */
final class KafkaChecks {

  static final String REQUESTS_IN = "MP_MESSAGING_INCOMING_SCORE_REQUESTS_TOPIC";
  static final String REQUESTS_OUT = "--kafka-request-topic";
  static final String REPLIES_OUT = "MP_MESSAGING_OUTGOING_SCORE_REPLIES_TOPIC";
  static final String REPLIES_IN = "--kafka-reply-topic";
  static final String BOOTSTRAP_OPTION = "--kafka";
  static final String SCORER_GROUP = "MP_MESSAGING_INCOMING_SCORE_REQUESTS_GROUP_ID";

  private KafkaChecks() {}

  static List<String> wiring(Rendering r, String scorer, String evaluator) {
    List<String> out = new ArrayList<>();
    List<GenericKubernetesResource> clusters = r.custom("Kafka");
    if (clusters.size() != 1) {
      out.add(r.name() + " has " + clusters.size() + " Kafka clusters, expected one");
      return out;
    }
    GenericKubernetesResource kafka = clusters.get(0);
    String cluster = kafka.getMetadata().getName();
    String bootstrap = cluster + "-kafka-bootstrap:" + plainPort(kafka).orElse(-1);
    Map<String, GenericKubernetesResource> topics = new HashMap<>();
    for (String kind : List.of("KafkaTopic", "KafkaNodePool")) {
      for (GenericKubernetesResource x : r.custom(kind)) {
        String label =
            Objects.requireNonNullElse(x.getMetadata().getLabels(), Map.<String, String>of())
                .get("strimzi.io/cluster");
        if (!cluster.equals(label)) {
          out.add(
              kind
                  + " "
                  + x.getMetadata().getName()
                  + " belongs to cluster "
                  + label
                  + ", not "
                  + cluster);
        }
        if (kind.equals("KafkaTopic")) {
          Object topicName = x.get("spec", "topicName");
          topics.put(topicName == null ? x.getMetadata().getName() : topicName.toString(), x);
        } else if (x.get("spec", "resources", "requests") == null
            || x.get("spec", "resources", "limits") == null) {
          out.add("KafkaNodePool " + x.getMetadata().getName() + " has no requests and limits");
        }
      }
    }
    Container s = r.workload(scorer).template().getSpec().getContainers().get(0);
    Container e = r.workload(evaluator).template().getSpec().getContainers().get(0);
    expect(out, scorer, s, "SCORER_KAFKA_ENABLED", "true");
    expect(out, scorer, s, "KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    expectOption(out, evaluator, e, BOOTSTRAP_OPTION, bootstrap);
    if (WorkloadChecks.env(s, SCORER_GROUP).isEmpty()) {
      out.add(scorer + " names no consumer group (" + SCORER_GROUP + ")");
    }
    String requests = WorkloadChecks.env(s, REQUESTS_IN).orElse(null);
    String replies = WorkloadChecks.env(s, REPLIES_OUT).orElse(null);
    expectOption(out, evaluator, e, REQUESTS_OUT, requests);
    expectOption(out, evaluator, e, REPLIES_IN, replies);
    for (String topic : new String[] {requests, replies}) {
      if (!topics.containsKey(topic)) {
        out.add("topic " + topic + " is no KafkaTopic of " + r.name() + " " + topics.keySet());
      }
    }
    if (topics.containsKey(requests)) {
      int partitions = ((Number) topics.get(requests).get("spec", "partitions")).intValue();
      HorizontalPodAutoscaler hpa = r.get(HorizontalPodAutoscaler.class, scorer);
      if (partitions < hpa.getSpec().getMaxReplicas()) {
        out.add(
            "topic "
                + requests
                + " has "
                + partitions
                + " partitions but up to "
                + hpa.getSpec().getMaxReplicas()
                + " scorers share it: some would idle");
      }
    }
    return out;
  }

  private static Optional<Integer> plainPort(GenericKubernetesResource kafka) {
    List<?> listeners =
        Objects.requireNonNullElse(kafka.get("spec", "kafka", "listeners"), List.of());
    return listeners.stream()
        .map(l -> (Map<?, ?>) l)
        .filter(l -> "internal".equals(l.get("type")) && Boolean.FALSE.equals(l.get("tls")))
        .map(l -> ((Number) l.get("port")).intValue())
        .findFirst();
  }

  /** The value that follows {@code option} in the container's arguments. */
  private static void expectOption(
      List<String> out, String workload, Container c, String option, String expected) {
    List<String> args = Objects.requireNonNullElse(c.getArgs(), List.of());
    int at = args.lastIndexOf(option);
    String actual = at >= 0 && at + 1 < args.size() ? args.get(at + 1) : null;
    if (expected == null || !expected.equals(actual)) {
      out.add(workload + " passes " + option + " " + actual + ", expected " + expected);
    }
  }

  private static void expect(
      List<String> out, String workload, Container c, String variable, String expected) {
    String actual = WorkloadChecks.env(c, variable).orElse(null);
    if (expected == null || !expected.equals(actual)) {
      out.add(workload + " sets " + variable + "=" + actual + ", expected " + expected);
    }
  }
}
