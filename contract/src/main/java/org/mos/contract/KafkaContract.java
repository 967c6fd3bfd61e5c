package org.mos.contract;

/**
 * What the scorers that consume Kafka and their clients (the evaluator's Kafka transport, the
 * benchmarks) agree on besides the messages themselves. Record values are the protobuf bytes of
 * {@code ScoreRequest} and {@code ScoreResponse} from {@code scorer.proto}, one image per request,
 * with {@code request_id} as {@link RequestId} writes it; a reply is keyed by its run id.
 */
public final class KafkaContract {

  /** The topic the scorers consume score requests from, unless configured otherwise. */
  public static final String REQUEST_TOPIC = "mos.score.requests";

  /** The topic the scorers write their replies to, unless configured otherwise. */
  public static final String REPLY_TOPIC = "mos.score.replies";

  /** The consumer group every scorer joins, so that each request is scored by one of them. */
  public static final String SCORER_GROUP = "mos-scorers";

  /** The reply header carrying the SHA-256 checksum of the bundle that scored (UTF-8 hex). */
  public static final String CHECKSUM_HEADER = "mos-model-checksum";

  private KafkaContract() {}
}
