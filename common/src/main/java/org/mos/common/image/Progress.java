package org.mos.common.image;

import java.time.Duration;

/**
 * How far a pipeline has got: inputs handed out so far (read or skipped) of the total, the average
 * rate since the start, and the estimated time left at that rate ({@code null} before any rate is
 * known). An endless or lazily pulled source has no total: {@code total} is -1 and there is no ETA.
 */
public record Progress(long done, long total, double imagesPerSecond, Duration eta) {

  static Progress of(long done, long total, long elapsedNanos) {
    double rate = elapsedNanos > 0 ? done * 1e9 / elapsedNanos : 0.0;
    Duration eta =
        rate > 0 && total >= 0 ? Duration.ofMillis((long) ((total - done) / rate * 1000)) : null;
    return new Progress(done, total, rate, eta);
  }

  @Override
  public String toString() {
    if (total < 0) {
      return String.format("%d images, %.1f images/s", done, imagesPerSecond);
    }
    return String.format(
        "%d/%d images, %.1f images/s, ETA %s",
        done, total, imagesPerSecond, eta == null ? "unknown" : eta.toSeconds() + " s");
  }
}
