package org.mos.evaluator.transport;

import io.smallrye.mutiny.Multi;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.mos.common.score.OdinSettings;
import org.mos.contract.KafkaContract;
import org.mos.contract.RequestId;
import org.mos.scorer.grpc.v1.ScoreResponse;

/**
 * Scores through scorers that consume a Kafka topic ({@code ./mos serve scorer --kafka ...}): each
 * image is one protobuf {@code ScoreRequest} on the request topic, keyed by {@code dataset/image
 * id} (so the topic's partitions spread images over the scorers of one consumer group); replies
 * come back on the reply topic keyed by run id. This side reads the reply topic from its end,
 * without a consumer group, and counts each image exactly once: a reply is matched to its run and
 * seq, a second reply for the same image (a redelivery after a scorer failed) and replies of other
 * runs are dropped, and a reply from a bundle with another checksum fails the run.
 *
 * <p>The Kafka clients are made here, per transport, rather than as Reactive Messaging channels:
 * the bootstrap is a per-run command-line option, while channels are wired once when the
 * application starts. {@link KafkaReplies} reads the reply topic.
 */
public final class KafkaTransport implements ScoringTransport {

  /**
   * Where the scorers listen and how much to keep in flight.
   *
   * @param bootstrap the Kafka bootstrap servers ({@code --kafka})
   * @param model the model name the scorers serve ({@code --model})
   * @param requestTopic the topic the scorers consume
   * @param replyTopic the topic the scorers reply on
   * @param partitions partitions of the request topic when this transport creates it
   * @param window most images in flight per run
   * @param connectTimeout how long reaching Kafka and the first scorer reply may take
   * @param idleTimeout how long a run may wait with images in flight and no reply
   */
  public record Settings(
      String bootstrap,
      String model,
      String requestTopic,
      String replyTopic,
      int partitions,
      int window,
      Duration connectTimeout,
      Duration idleTimeout) {

    public Settings {
      if (bootstrap == null || bootstrap.isBlank()) {
        throw new IllegalArgumentException("the Kafka transport needs a bootstrap (--kafka)");
      }
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("the Kafka transport needs a model name (--model)");
      }
      if (partitions < 1 || window < 1) {
        throw new IllegalArgumentException(
            "partitions " + partitions + " and window " + window + " must be 1 or more");
      }
    }

    /** Default topics, 4 partitions, 64 images in flight, 30 s to connect, 120 s idle. */
    public static Settings of(String bootstrap, String model) {
      return new Settings(
          bootstrap,
          model,
          KafkaContract.REQUEST_TOPIC,
          KafkaContract.REPLY_TOPIC,
          4,
          64,
          Duration.ofSeconds(30),
          Duration.ofSeconds(120));
    }

    public Settings withWindow(int window) {
      return new Settings(
          bootstrap,
          model,
          requestTopic,
          replyTopic,
          partitions,
          window,
          connectTimeout,
          idleTimeout);
    }

    /** The same settings with other request and reply topics. */
    public Settings withTopics(String requests, String replies) {
      if (requests == null || requests.isBlank() || replies == null || replies.isBlank()) {
        throw new IllegalArgumentException("Kafka topics must not be blank");
      }
      if (requests.equals(replies)) {
        throw new IllegalArgumentException(
            "the request and reply topics are both '" + requests + "'; they must differ");
      }
      return new Settings(
          bootstrap, model, requests, replies, partitions, window, connectTimeout, idleTimeout);
    }

    public Settings withTimeouts(Duration connect, Duration idle) {
      return new Settings(
          bootstrap, model, requestTopic, replyTopic, partitions, window, connect, idle);
    }
  }

  private final Settings settings;
  private final String transportId = UUID.randomUUID().toString();
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaReplies replies;
  private final AtomicLong runCount = new AtomicLong();
  private List<String> methods = List.of();
  private String checksum;

  private KafkaTransport(Settings settings) {
    this.settings = settings;
    this.producer = new KafkaProducer<>(KafkaClients.producerProperties(settings));
    this.replies = new KafkaReplies(settings);
  }

  /**
   * Connects: creates the topics when missing, starts reading replies from the reply topic's end,
   * and sends one probe image to learn the model's methods and checksum from a scorer's reply.
   *
   * @throws TransportException when Kafka is unreachable, no scorer answers, or the scorers do not
   *     serve the model
   */
  public static KafkaTransport connect(Settings settings) {
    KafkaClients.createTopics(settings);
    KafkaTransport t = new KafkaTransport(settings);
    try {
      t.replies.start();
      t.probe();
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private void probe() {
    CompletableFuture<ScoreResponse> reply = new CompletableFuture<>();
    String run = transportId + "-probe";
    replies.open(
        run,
        new KafkaRun(run, List.of(), null, Set.of(), 1) {
          @Override
          void onReply(ScoreResponse r, String checksumHeader) {
            checksum = checksumHeader;
            reply.complete(r);
          }
        });
    producer.send(
        new ProducerRecord<>(
            settings.requestTopic(),
            "probe",
            ScoreMessages.request(run, 0, settings.model(), ProbeImage.PNG, List.of())
                .toByteArray()));
    ScoreResponse r;
    try {
      r = reply.get(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TransportException(
          "no scorer answered within "
              + settings.connectTimeout()
              + " on topic "
              + settings.requestTopic()
              + " at "
              + settings.bootstrap()
              + "; start one with ./mos serve scorer --models DIR --kafka "
              + settings.bootstrap());
    } catch (InterruptedException | ExecutionException e) {
      throw new TransportException("waiting for the probe reply failed: " + e, e);
    } finally {
      replies.close(run);
    }
    if (r.hasError()) {
      throw new TransportException(
          "the scorers on topic "
              + settings.requestTopic()
              + " refused model '"
              + settings.model()
              + "': "
              + r.getError().getTitle()
              + " ("
              + r.getError().getDetail()
              + ")");
    }
    if (checksum == null) {
      throw new TransportException(
          "the scorer's reply has no " + KafkaContract.CHECKSUM_HEADER + " header");
    }
    methods = MethodOrder.sorted(r.getImages(0).getScoresMap().keySet());
  }

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public List<String> methods() {
    return methods;
  }

  @Override
  public String modelChecksum() {
    return checksum;
  }

  /** Replies dropped so far: duplicates, other runs' replies and unreadable replies. */
  public long droppedReplies() {
    return replies.dropped();
  }

  @Override
  public Multi<ScoredImage> score(Multi<ImageTask> tasks, List<String> wanted, OdinSettings odin) {
    return score(tasks, wanted, odin, Set.of());
  }

  @Override
  public Multi<ScoredImage> score(
      Multi<ImageTask> tasks, List<String> wanted, OdinSettings odin, Set<String> include) {
    ScoringTransport.checkInclude(include);
    for (String m : wanted) {
      if (!org.mos.common.score.MethodId.parse(m).supportedAmong(methods)) {
        throw new IllegalArgumentException(
            "model '" + settings.model() + "' has no method '" + m + "'; it has " + methods);
      }
    }
    List<String> copy = List.copyOf(wanted);
    return Multi.createFrom()
        .deferred(
            () -> {
              String runId = transportId + "-" + runCount.incrementAndGet();
              KafkaRun run =
                  new KafkaRun(runId, copy, odin, Set.copyOf(include), settings.window());
              replies.open(runId, run);
              return run.results(tasks);
            });
  }

  @Override
  public void close() {
    replies.close();
    producer.close(Duration.ofSeconds(5));
  }

  /**
   * One run: requests keyed by image, replies ({@link KafkaReplies} hands them over) matched by
   * seq, each image counted once.
   */
  class KafkaRun extends WindowedRun {
    private final String runId;
    private final List<String> wanted;
    private final OdinSettings odin;
    private final Set<String> include;
    private volatile long lastProgress = System.nanoTime();

    KafkaRun(
        String runId, List<String> wanted, OdinSettings odin, Set<String> include, int window) {
      super(window);
      this.runId = runId;
      this.wanted = wanted;
      this.odin = odin;
      this.include = include;
    }

    @Override
    protected void send(ImageTask task) throws Exception {
      byte[] bytes = Files.readAllBytes(task.path());
      byte[] request =
          ScoreMessages.request(runId, task.seq(), settings.model(), bytes, wanted, odin, include)
              .toByteArray();
      producer.send(
          new ProducerRecord<>(
              settings.requestTopic(), task.dataset() + "/" + task.imageId(), request),
          (meta, e) -> {
            if (e != null) {
              fail(new TransportException("cannot publish to " + settings.requestTopic(), e));
            }
          });
    }

    void onReply(ScoreResponse reply, String checksumHeader) {
      if (checksum != null && checksumHeader != null && !checksum.equals(checksumHeader)) {
        fail(
            new TransportException(
                "a scorer answered with model checksum "
                    + checksumHeader
                    + " but this run scores "
                    + checksum
                    + ": the scorers in the group serve different bundles"));
        return;
      }
      long seq = RequestId.seqOf(reply.getRequestId());
      if (complete(seq, t -> ScoreMessages.result(t, reply))) {
        lastProgress = System.nanoTime();
      } else {
        replies.drop();
      }
    }

    void checkIdle(long now) {
      if (inFlightCount() > 0
          && now - lastProgress > settings.idleTimeout().toNanos()
          && !isFinished()) {
        fail(
            new TransportException(
                "no reply for "
                    + settings.idleTimeout()
                    + " with "
                    + inFlightCount()
                    + " images in flight on "
                    + settings.requestTopic()
                    + ": are the scorers running?"));
      }
    }

    @Override
    protected void ended() {
      replies.close(runId);
    }
  }
}
