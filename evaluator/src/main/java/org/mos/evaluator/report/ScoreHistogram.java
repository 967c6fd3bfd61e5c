package org.mos.evaluator.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Density histograms of several score sets (a method's ID scores and each OOD set) over one shared
 * set of equal-width bins, so the sets can be overlaid and compared.
 *
 * <p>The bins follow {@code numpy.histogram(x, bins, range=(lo, hi), density=True)}: they span the
 * smallest to the largest finite score of all sets (a constant score gets the range v &plusmn; 0.5,
 * as NumPy does), every bin is half-open except the last, which also holds the largest score, and a
 * density is count / width / (finite scores of the set), so each set's bars have area 1. NaN and
 * infinite scores have no place on a finite axis: they are counted per set and left out.
 *
 * @param edges the bin edges, increasing; empty when no set has a finite score
 * @param series one entry per set, in the given order
 */
record ScoreHistogram(double[] edges, List<Series> series) {

  /** Bounds of the automatic bin count. */
  static final int MIN_BINS = 10;

  static final int MAX_BINS = 100;

  /**
   * One set's bars.
   *
   * @param name the set's name
   * @param counts finite scores per bin
   * @param density count / width / finite, per bin
   * @param finite the number of finite scores (the sum of the counts)
   * @param nan the number of NaN scores
   * @param positiveInfinity the number of +inf scores
   * @param negativeInfinity the number of -inf scores
   */
  record Series(
      String name,
      long[] counts,
      double[] density,
      long finite,
      long nan,
      long positiveInfinity,
      long negativeInfinity) {

    /** Whether some scores are not drawn. */
    boolean hasNonFinite() {
      return nan + positiveInfinity + negativeInfinity > 0;
    }
  }

  ScoreHistogram {
    series = List.copyOf(series);
  }

  /**
   * Bins the sets with an automatic bin count: Rice's rule (2 n^(1/3), n = the smallest set's
   * finite count) clamped to [{@value #MIN_BINS}, {@value #MAX_BINS}].
   */
  static ScoreHistogram of(Map<String, double[]> sets) {
    long smallest = Long.MAX_VALUE;
    for (double[] s : sets.values()) {
      long finite = 0;
      for (double v : s) {
        finite += Double.isFinite(v) ? 1 : 0;
      }
      if (finite > 0) {
        smallest = Math.min(smallest, finite);
      }
    }
    int bins =
        smallest == Long.MAX_VALUE
            ? MIN_BINS
            : (int) Math.max(MIN_BINS, Math.min(MAX_BINS, Math.ceil(2 * Math.cbrt(smallest))));
    return of(sets, bins);
  }

  /** Bins the sets into {@code bins} equal-width bins. */
  static ScoreHistogram of(Map<String, double[]> sets, int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("bins is " + bins + ": expected at least 1");
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double[] s : sets.values()) {
      for (double v : s) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (lo > hi) {
      List<Series> empty = new ArrayList<>();
      sets.forEach((name, s) -> empty.add(count(name, s, null, 1)));
      return new ScoreHistogram(new double[0], empty);
    }
    if (lo == hi) {
      double[] widened = widen(lo);
      lo = widened[0];
      hi = widened[1];
    }
    // Scores spanning more than Double.MAX_VALUE are binned at half scale, so no difference
    // overflows; the edges are scaled back (they lie between lo and hi, so they stay finite).
    double scale = Double.isFinite(hi - lo) ? 1 : 0.5;
    double[] edges = linspace(lo * scale, hi * scale, bins);
    List<Series> series = new ArrayList<>();
    sets.forEach((name, s) -> series.add(count(name, s, edges, scale)));
    for (int i = 0; i < edges.length; i++) {
      edges[i] /= scale;
    }
    return new ScoreHistogram(edges, series);
  }

  /** NumPy's range for a constant score v: v &plusmn; 0.5, or wider where 0.5 is below v's ulp. */
  private static double[] widen(double v) {
    double half = Math.max(0.5, 4 * Math.ulp(v));
    double lo = v - half;
    double hi = v + half;
    if (Double.isInfinite(hi)) {
      return new double[] {v - 2 * half, v};
    }
    if (Double.isInfinite(lo)) {
      return new double[] {v, v + 2 * half};
    }
    return new double[] {lo, hi};
  }

  /** {@code numpy.linspace(lo, hi, bins + 1)}: i * step + lo, with the last edge exactly hi. */
  private static double[] linspace(double lo, double hi, int bins) {
    double step = (hi - lo) / bins;
    double[] edges = new double[bins + 1];
    for (int i = 0; i < bins; i++) {
      edges[i] = i * step + lo;
    }
    edges[bins] = hi;
    return edges;
  }

  private static Series count(String name, double[] scores, double[] edges, double scale) {
    int bins = edges == null ? 0 : edges.length - 1;
    long[] counts = new long[bins];
    long nan = 0;
    long posInf = 0;
    long negInf = 0;
    for (double raw : scores) {
      if (Double.isNaN(raw)) {
        nan++;
      } else if (raw == Double.POSITIVE_INFINITY) {
        posInf++;
      } else if (raw == Double.NEGATIVE_INFINITY) {
        negInf++;
      } else {
        counts[bin(raw * scale, edges)]++;
      }
    }
    long finite = 0;
    for (long c : counts) {
      finite += c;
    }
    double[] density = new double[bins];
    for (int b = 0; b < bins && finite > 0; b++) {
      double width = (edges[b + 1] - edges[b]) / scale;
      density[b] = counts[b] / width / finite;
    }
    return new Series(name, counts, density, finite, nan, posInf, negInf);
  }

  /**
   * NumPy's uniform-bin search: the index from the scaled offset, then corrected against the actual
   * edges, so a score on an edge always lands in the bin that starts there.
   */
  private static int bin(double x, double[] edges) {
    int bins = edges.length - 1;
    double lo = edges[0];
    double hi = edges[bins];
    int i = (int) (((x - lo) / (hi - lo)) * bins);
    i = Math.max(0, Math.min(bins - 1, i));
    if (x < edges[i] && i > 0) {
      i--;
    } else if (i < bins - 1 && x >= edges[i + 1]) {
      i++;
    }
    return i;
  }

  /** The series by name (for tests and callers that know the names). */
  Map<String, Series> byName() {
    Map<String, Series> out = new LinkedHashMap<>();
    series.forEach(s -> out.put(s.name(), s));
    return out;
  }
}
