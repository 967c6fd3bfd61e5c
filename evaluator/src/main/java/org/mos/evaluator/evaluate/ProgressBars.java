package org.mos.evaluator.evaluate;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of one dataset being scored, on stderr: on a terminal a bar redrawn in place (at most
 * five times a second) with images/s and the time left; otherwise a plain line every {@code
 * plainEverySeconds} and one when the dataset is done, so logs of batch jobs stay readable.
 */
final class ProgressBars {

  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final boolean terminal;
  private final long plainEveryNanos;

  private String label;
  private long total;
  private long done;
  private long startNanos;
  private long lastDrawNanos;

  ProgressBars(PrintWriter err, boolean terminal, double plainEverySeconds) {
    this.err = err;
    this.terminal = terminal;
    this.plainEveryNanos = (long) (plainEverySeconds * 1e9);
  }

  /** Starts a bar for {@code total} images (finishing the previous one). */
  void start(String label, long total) {
    finish();
    this.label = label;
    this.total = total;
    this.done = 0;
    this.startNanos = System.nanoTime();
    this.lastDrawNanos = startNanos;
    if (!terminal) {
      err.printf(Locale.ROOT, "%s: scoring %d images%n", label, total);
      err.flush();
    }
  }

  /** Counts {@code n} more images done. */
  void advance(long n) {
    if (label == null) {
      return;
    }
    done += n;
    long now = System.nanoTime();
    long every = terminal ? 200_000_000L : plainEveryNanos;
    if (now - lastDrawNanos >= every && done < total) {
      lastDrawNanos = now;
      draw(now, false);
    }
  }

  /** Ends the current bar with its final line. */
  void finish() {
    if (label == null) {
      return;
    }
    draw(System.nanoTime(), true);
    label = null;
  }

  private void draw(long now, boolean last) {
    double seconds = (now - startNanos) / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    String eta = last ? String.format(Locale.ROOT, "in %s", clock(seconds)) : "ETA " + eta(rate);
    String text =
        String.format(
            Locale.ROOT, "%s %d/%d images, %.1f images/s, %s", label, done, total, rate, eta);
    if (terminal) {
      int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
      String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
      err.print(
          "\r"
              + String.format(Locale.ROOT, "%-14s [%s] ", label, bar)
              + text.substring(label.length() + 1)
              + "   ");
      if (last) {
        err.println();
      }
    } else {
      err.println(text);
    }
    err.flush();
  }

  private String eta(double rate) {
    return rate > 0 ? clock((total - done) / rate) : "unknown";
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
