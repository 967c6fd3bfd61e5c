package org.mos.evaluator.transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.mos.contract.KafkaContract;
import org.mos.contract.RequestId;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * The reply side of {@link KafkaTransport}: one consumer reads the reply topic from its end,
 * without a consumer group, on its own thread, and hands each reply to the open run its request id
 * names, with the checksum header of the bundle that answered. Replies of no open run and
 * unreadable replies are counted as dropped; between polls every run checks whether it waited too
 * long.
 */
final class KafkaReplies implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(KafkaTransport.class.getName());

  private final KafkaTransport.Settings settings;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<String, KafkaTransport.KafkaRun> runs = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private final Thread poller;
  private volatile boolean closed;

  KafkaReplies(KafkaTransport.Settings settings) {
    this.settings = settings;
    this.consumer = new KafkaConsumer<>(KafkaClients.consumerProperties(settings));
    this.poller = new Thread(this::pollReplies, "mos-kafka-replies");
    this.poller.setDaemon(true);
  }

  /** Starts reading at the reply topic's end as it is now, then polls on the reply thread. */
  void start() {
    List<TopicPartition> partitions =
        consumer.partitionsFor(settings.replyTopic(), settings.connectTimeout()).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    // resolve the end offsets now: a reply written after this point is never missed
    partitions.forEach(p -> consumer.position(p, settings.connectTimeout()));
    poller.start();
  }

  /** Sends the replies of run {@code runId} to {@code run} from now on. */
  void open(String runId, KafkaTransport.KafkaRun run) {
    runs.put(runId, run);
  }

  /** Stops sending replies to run {@code runId}; later ones are dropped. */
  void close(String runId) {
    runs.remove(runId);
  }

  /** Counts one more dropped reply (a run's duplicate). */
  void drop() {
    dropped.incrementAndGet();
  }

  /** Replies dropped so far: duplicates, other runs' replies and unreadable replies. */
  long dropped() {
    return dropped.get();
  }

  private void pollReplies() {
    try {
      while (!closed) {
        for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
          dispatch(rec);
        }
        long now = System.nanoTime();
        runs.values().forEach(r -> r.checkIdle(now));
      }
    } catch (WakeupException e) {
      // close() woke the poller up
    } catch (RuntimeException e) {
      TransportException broken =
          new TransportException("reading replies from " + settings.replyTopic() + " failed", e);
      runs.values().forEach(r -> r.fail(broken));
    }
  }

  private void dispatch(ConsumerRecord<String, byte[]> rec) {
    ScoreResponse reply;
    try {
      reply = ScoreResponse.parseFrom(rec.value() == null ? new byte[0] : rec.value());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      dropped.incrementAndGet();
      return;
    }
    String runId = RequestId.runOf(reply.getRequestId());
    KafkaTransport.KafkaRun run = runId == null ? null : runs.get(runId);
    if (run == null) {
      if (reply.hasError() && reply.getRequestId().isEmpty()) {
        LOG.warning(
            "a scorer could not read a request: "
                + reply.getError().getTitle()
                + " ("
                + reply.getError().getDetail()
                + ")");
      }
      dropped.incrementAndGet();
      return;
    }
    Header h = rec.headers().lastHeader(KafkaContract.CHECKSUM_HEADER);
    run.onReply(reply, h == null ? null : new String(h.value(), StandardCharsets.UTF_8));
  }

  /** Stops the reply thread and closes the consumer (once the thread has ended). */
  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      poller.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalThreadStateException ignored) {
      // never started
    }
    if (!poller.isAlive()) {
      consumer.close();
    }
  }
}
