package org.mos.evaluator.fit;

import java.io.PrintWriter;
import java.time.Duration;
import org.mos.common.image.Progress;

/**
 * {@code mos fit}'s progress on stderr, on every transport: at most every two seconds a line with
 * the images done of the set, the rate and the ETA, and one end line.
 */
final class FitProgress {

  private static final long PERIOD_NANOS = 2_000_000_000L;

  private final String what;
  private final PrintWriter err;
  private final boolean periodic;
  private final long start = System.nanoTime();
  private long last = start;
  private long total = -1;
  private long cached;
  private long extracted;

  /**
   * @param what the pass, named in every line
   * @param periodic whether to print the periodic lines (passes that print their own do not)
   */
  FitProgress(String what, PrintWriter err, boolean periodic) {
    this.what = what;
    this.err = err;
    this.periodic = periodic;
  }

  /** A pass over {@code total} images of which {@code cached} come from the cache. */
  FitProgress(String what, PrintWriter err, long total, long cached) {
    this(what, err, true);
    this.total = total;
    this.cached = cached;
  }

  /** Prints {@code p} when the last line is two seconds old. */
  synchronized void update(Progress p) {
    if (!periodic) {
      return;
    }
    long now = System.nanoTime();
    if (now - last >= PERIOD_NANOS && p.done() < p.total()) {
      last = now;
      err.println("mos fit: " + what + ": " + p);
      err.flush();
    }
  }

  /**
   * Counts {@code images} more extracted (read or skipped) this run; the rate and the ETA are those
   * of the extraction, cached images aside.
   */
  synchronized void extracted(long images) {
    extracted += images;
    long elapsed = System.nanoTime() - start;
    double rate = elapsed > 0 ? extracted * 1e9 / elapsed : 0;
    long done = cached + extracted;
    Duration eta = rate > 0 ? Duration.ofMillis((long) ((total - done) / rate * 1000)) : null;
    update(new Progress(done, total, rate, eta));
  }

  /** The end line: images run (and read from the cache), time, rate, unreadable images. */
  void finish(int delivered, double seconds, int unreadable, String via) {
    err.printf(
        "mos fit: %s: %d images in %.1f s (%.1f images/s)%s, %d unreadable skipped%s%n",
        what,
        delivered,
        seconds,
        seconds > 0 ? (delivered - Math.min(delivered, cached)) / seconds : 0.0,
        cached > 0 ? ", " + cached + " of them from the cache" : "",
        unreadable,
        via == null ? "" : ", " + via);
    err.flush();
  }

  /** Seconds since this progress started. */
  double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }
}
