package org.mos.scorer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

/** Configuration of the scorer ({@code scorer.*}). */
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

  /** How often to look for new, changed or removed bundles; 0 turns reloading off. */
  @WithDefault("10s")
  Duration reloadInterval();

  /** The target ID true-positive rate of thresholds when a request names none. */
  @WithDefault("0.95")
  double defaultTpr();

  /** Classes returned per image when a request includes {@code topk} without a count. */
  @WithDefault("5")
  int defaultTopK();

  /** Request limits. */
  Limits limits();

  /** Micro-batching: concurrent requests to one model are coalesced into one ONNX run. */
  Batching batching();

  /** Request limits (beyond them: 413). */
  interface Limits {
    /** Most images in one request. */
    @WithDefault("64")
    int maxImages();

    /** Largest encoded image in bytes. */
    @WithDefault("20971520")
    int maxImageBytes();
  }

  /** Micro-batching settings. */
  interface Batching {
    /** Whether to coalesce concurrent requests; off = each request runs on its own. */
    @WithDefault("true")
    boolean enabled();

    /** Most images in one coalesced run. */
    @WithDefault("16")
    int maxBatch();

    /** How long the first request of a batch may wait for others. */
    @WithDefault("5ms")
    Duration maxWait();
  }
}
