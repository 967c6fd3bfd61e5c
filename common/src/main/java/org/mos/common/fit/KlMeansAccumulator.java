package org.mos.common.fit;

import java.util.stream.IntStream;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.KlLabelSource;

/**
 * Fits {@link KlClassMeans} over a fit set streamed batch by batch, in memory independent of the
 * number of images (one running sum of softmax vectors per class): the same result as averaging the
 * softmax vectors of all logits at once (the tests' one-shot reference). Not thread-safe.
 */
public final class KlMeansAccumulator {

  private final KlLabelSource labelSource;
  private final int logits;
  private final double[][] sums;
  private final long[] counts;

  /**
   * An empty accumulator for a model with {@code logits} outputs.
   *
   * @param labelSource true labels (given with every batch) or the model's predictions (argmax, the
   *     first on ties)
   */
  public KlMeansAccumulator(KlLabelSource labelSource, int logits) {
    if (labelSource == null || logits < 1) {
      throw new IllegalArgumentException(
          "need a label source and at least 1 logit, got " + labelSource + " and " + logits);
    }
    this.labelSource = labelSource;
    this.logits = logits;
    this.sums = new double[logits][];
    this.counts = new long[logits];
  }

  /**
   * Adds a batch of logits.
   *
   * @param trueLabels the true class of every row (required for true labels, ignored otherwise);
   *     classes index the logit vector (0 .. logits-1)
   */
  public void add(FloatMatrix batch, int[] trueLabels) {
    if (batch.cols() != logits) {
      throw new IllegalArgumentException(
          "expected " + logits + " logits per row but got " + batch.cols());
    }
    boolean byTrue = labelSource == KlLabelSource.TRUE_LABELS;
    if (byTrue && (trueLabels == null || trueLabels.length != batch.rows())) {
      throw new IllegalArgumentException(
          "fitting by true labels needs one label per row: "
              + batch.rows()
              + " rows but "
              + (trueLabels == null ? "no" : String.valueOf(trueLabels.length))
              + " labels");
    }
    float[] v = batch.toArray();
    double[] p = new double[logits];
    for (int r = 0; r < batch.rows(); r++) {
      int base = r * logits;
      int argmax = 0;
      double max = v[base];
      for (int i = 1; i < logits; i++) {
        if (v[base + i] > max) {
          max = v[base + i];
          argmax = i;
        }
      }
      int y = byTrue ? trueLabels[r] : argmax;
      if (y < 0 || y >= logits) {
        throw new IllegalArgumentException(
            "label "
                + y
                + " of row "
                + r
                + " is not a class of a model with "
                + logits
                + " logits");
      }
      double sum = 0;
      for (int i = 0; i < logits; i++) {
        p[i] = Math.exp(v[base + i] - max);
        sum += p[i];
      }
      if (sums[y] == null) {
        sums[y] = new double[logits];
      }
      for (int i = 0; i < logits; i++) {
        sums[y][i] += p[i] / sum;
      }
      counts[y]++;
    }
  }

  /** The number of rows added per class (index = class). */
  public long[] counts() {
    return counts.clone();
  }

  /**
   * The class means of the classes seen so far.
   *
   * @throws IllegalStateException when nothing was added
   */
  public KlClassMeans result() {
    int[] classes = IntStream.range(0, logits).filter(c -> counts[c] > 0).toArray();
    if (classes.length == 0) {
      throw new IllegalStateException("no images were added: nothing to fit KL class means on");
    }
    double[][] means = new double[classes.length][logits];
    for (int k = 0; k < classes.length; k++) {
      for (int i = 0; i < logits; i++) {
        means[k][i] = sums[classes[k]][i] / counts[classes[k]];
      }
    }
    return new KlClassMeans(labelSource, classes, means);
  }
}
