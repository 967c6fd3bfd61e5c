package org.mos.scorer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of the scorer ({@code scorer.*}); request limits are {@link
 * org.mos.scorer.limits.ScorerLimits} ({@code scorer.limits.*}), Kafka is {@link
 * org.mos.scorer.messaging.KafkaScoringConfig} ({@code scorer.kafka.*}).
 */
@ConfigMapping(prefix = "scorer")
public interface ScorerConfig {

  /**
   * The folder of model bundles: every sub-folder (or {@code .zip}) is one model, named after it
   * (without {@code .zip}). Names must match {@code [A-Za-z0-9][A-Za-z0-9._-]*}.
   */
  @WithDefault("models")
  Path modelsDir();

  /** Where ONNX Runtime runs: {@code cpu} or {@code cuda}. */
  @WithDefault("cpu")
  String device();

  /** With {@code device=cuda}: refuse to start a model when CUDA is unavailable (else use CPU). */
  @WithDefault("false")
  boolean strictDevice();

  /** ONNX Runtime intra-op threads per model; 0 lets ONNX Runtime choose. */
  @WithDefault("0")
  int intraOpThreads();

  /**
   * Whether ONNX Runtime's CPU memory arena serves a model's activations. On (ONNX Runtime's
   * default), the arena grows to what the largest batch needs and keeps it; models are warmed at
   * start with a batch of {@code batching.max-batch} images so that it reaches that size at once.
   * Off, every run allocates from and frees to the C library's heap.
   */
  @WithDefault("true")
  boolean cpuArena();

  /**
   * Whether ONNX Runtime plans the memory of each input shape it sees and keeps the plan (its
   * memory-pattern optimisation). The scorer's batch sizes vary from 1 to {@code
   * batching.max-batch}, so it would keep up to that many plans.
   */
  @WithDefault("true")
  boolean memoryPattern();

  /**
   * Whether ONNX Runtime's intra-op threads busy-wait for more work after each run (ONNX Runtime's
   * default). Off by default here: the request threads decode and resize images on the same cores,
   * and the spinning took their CPU (bench/scorer.md: with it off, 14-19% less scorer CPU per image
   * and a lower p99 at 1 and 4 clients, in two runs on a quiet 2-core machine).
   */
  @WithDefault("false")
  boolean intraOpSpinning();

  /** How often to look for new, changed or removed bundles; 0 turns reloading off. */
  @WithDefault("10s")
  Duration reloadInterval();

  /** The target ID true-positive rate of thresholds when a request names none. */
  @WithDefault("0.95")
  double defaultTpr();

  /** Classes returned per image when a request includes {@code topk} without a count. */
  @WithDefault("5")
  int defaultTopK();

  /**
   * Whether REST score and v2 infer responses carry a {@code Server-Timing} header, and gRPC
   * answers a {@code timing} field: the request's preparation (decode, resize), queue, inference
   * and scoring times in the service. Turn it off where clients must not see internal timings.
   */
  @WithDefault("true")
  boolean serverTiming();

  /** Micro-batching: concurrent requests to one model are coalesced into one ONNX run. */
  Batching batching();

  /** Micro-batching settings. */
  interface Batching {
    /** Whether to coalesce concurrent requests; off = each request runs on its own. */
    @WithDefault("true")
    boolean enabled();

    /** Most images in one coalesced run. */
    @WithDefault("16")
    int maxBatch();

    /**
     * How long a free runner may wait for more requests once it has taken what is queued. 0 (the
     * default): it runs what is queued at once; requests that come while a batch runs are batched
     * together next. A wait adds up to this much latency to every lone request.
     */
    @WithDefault("0ms")
    Duration maxWait();

    /**
     * Batches of one model that may run at the same time, each on its own thread: with 2, one batch
     * is assembled and scored while the other is inside ONNX Runtime.
     */
    @WithDefault("1")
    int runners();
  }
}
