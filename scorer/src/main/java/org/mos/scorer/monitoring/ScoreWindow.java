package org.mos.scorer.monitoring;

import java.util.Arrays;

/** The latest scores of one model and method, and whether each was flagged OOD: a ring buffer. */
final class ScoreWindow {

  private final double[] scores;
  private final boolean[] ood;
  private int next;
  private int size;

  ScoreWindow(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException(
          "scorer.monitoring.window is " + capacity + "; it must be at least 1");
    }
    scores = new double[capacity];
    ood = new boolean[capacity];
  }

  synchronized void add(double score, boolean flagged) {
    scores[next] = score;
    ood[next] = flagged;
    next = (next + 1) % scores.length;
    size = Math.min(size + 1, scores.length);
  }

  /** The scores in the window, sorted ascending. */
  synchronized double[] sortedScores() {
    double[] copy = Arrays.copyOf(scores, size);
    Arrays.sort(copy);
    return copy;
  }

  /** The share of the window's scores flagged OOD, NaN when empty. */
  synchronized double oodShare() {
    if (size == 0) {
      return Double.NaN;
    }
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (ood[i]) {
        n++;
      }
    }
    return (double) n / size;
  }

  /** The mean of the window's scores, NaN when empty. */
  synchronized double mean() {
    double sum = 0;
    for (int i = 0; i < size; i++) {
      sum += scores[i];
    }
    return size == 0 ? Double.NaN : sum / size;
  }

  synchronized int size() {
    return size;
  }
}
