package org.mos.evaluator.transport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.mos.common.inference.InferenceOptions;
import org.mos.scorer.grpc.v1.ScoreRequest;

/**
 * Makes the messaging transports ({@code --transport messaging}): in memory through this
 * application's channels by default, over Kafka when a bootstrap is given ({@code --kafka}).
 */
@ApplicationScoped
public class MessagingTransports {

  /** Most requests the in-memory channel buffers; the window of a run stays below it. */
  public static final int MAX_WINDOW = 256;

  /** The default number of images in flight per run. */
  public static final int DEFAULT_WINDOW = 32;

  private final AtomicLong transports = new AtomicLong();

  @Inject
  @Channel(InMemoryScoringProcessor.REQUESTS)
  @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = MAX_WINDOW)
  Emitter<ScoreRequest> requests;

  @Inject InMemoryScoringProcessor processor;
  @Inject InMemoryReplies replies;

  /**
   * A transport that scores a bundle in this process through the in-memory request and reply
   * channels.
   *
   * @param bundle the model bundle folder or {@code .zip}
   * @param options where and how ONNX Runtime runs
   * @param window most images in flight (1 to {@value #MAX_WINDOW})
   */
  public ScoringTransport inMemory(Path bundle, InferenceOptions options, int window)
      throws IOException {
    if (window < 1 || window > MAX_WINDOW) {
      throw new IllegalArgumentException(
          "the in-flight window is " + window + "; expected 1.." + MAX_WINDOW);
    }
    BundleImageScorer model = BundleImageScorer.open(bundle, options);
    String key = "in-memory-" + transports.incrementAndGet();
    return new InMemoryTransport(key, model, requests, processor, replies, window);
  }

  /**
   * A transport that sends requests to the scorers consuming a Kafka topic (see {@link
   * KafkaTransport}); plain Java, usable without CDI too.
   */
  public ScoringTransport kafka(KafkaTransport.Settings settings) {
    return KafkaTransport.connect(settings);
  }
}
