package org.mos.scorer.messaging;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import org.mos.contract.KafkaContract;

/**
 * Scoring over Kafka ({@code scorer.kafka.*}), off by default. When on, the scorer joins the
 * consumer group {@link #group()} on {@link #requestTopic()} and replies on {@link #replyTopic()}
 * ({@code ./mos serve scorer --models DIR --kafka BOOTSTRAP}). The {@code mp.messaging} channels
 * {@code score-requests} and {@code score-replies} in {@code application.properties} read these
 * keys.
 */
@ConfigMapping(prefix = "scorer.kafka")
public interface KafkaScoringConfig {

  /** Whether to consume score requests from Kafka (the channels' {@code enabled} attribute). */
  @WithDefault("false")
  boolean enabled();

  /** The Kafka bootstrap servers. */
  @WithDefault("localhost:9092")
  String bootstrap();

  /** The consumer group all scorers share, so that each request is scored by one of them. */
  @WithDefault(KafkaContract.SCORER_GROUP)
  String group();

  /** The topic of score requests. */
  @WithDefault(KafkaContract.REQUEST_TOPIC)
  String requestTopic();

  /** The topic of score replies. */
  @WithDefault(KafkaContract.REPLY_TOPIC)
  String replyTopic();
}
