package org.mos.scorer.service;

/**
 * Where one request's time went, filled in by the request's thread and the batching thread: when
 * its images were ready (decoded and preprocessed) and queued, when its first batch started, and
 * the model's and the scorer's time on its batches. A request larger than one batch runs in
 * several; their model and scoring times add up. Read once the request's result is complete.
 */
final class JobTiming {

  private final long received;
  private volatile long queued;
  private volatile long started;
  private volatile long inferNanos;
  private volatile long scoreNanos;
  private volatile int batchImages;

  JobTiming(long received) {
    this.received = received;
  }

  /** The images are decoded and preprocessed, and the job is handed to the batcher. */
  void queued(long now) {
    queued = now;
  }

  /**
   * A batch holding the job's images ran on the model from {@code start} for {@code nanos}, with
   * {@code images} images in all (this job's and others').
   */
  void inferred(long start, long nanos, int images) {
    if (started == 0) {
      started = start;
    }
    inferNanos += nanos;
    batchImages = Math.max(batchImages, images);
  }

  /** Scoring the job's rows of a batch took {@code nanos}. */
  void scored(long nanos) {
    scoreNanos += nanos;
  }

  /** The durations so far, in milliseconds. */
  ServerTiming snapshot() {
    long q = queued == 0 ? received : queued;
    long s = started == 0 ? q : started;
    return new ServerTiming(
        (q - received) / 1e6, (s - q) / 1e6, inferNanos / 1e6, scoreNanos / 1e6, batchImages);
  }
}
