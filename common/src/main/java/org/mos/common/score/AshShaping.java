package org.mos.common.score;

import java.util.Locale;

/**
 * ASH, Activation SHaping (Djurisic, Bozanic, Ashok &amp; Liu, "Extremely Simple Activation Shaping
 * for Out-of-Distribution Detection", ICLR 2023; {@code andrijazz/ash} {@code ash.py}): per sample,
 * keep the k largest of the n penultimate activations ({@link TopK#kept}), and
 *
 * <ul>
 *   <li>ASH-P: zero the others;
 *   <li>ASH-B: the kept ones become {@code s1 / k}, {@code s1} the sum of all activations;
 *   <li>ASH-S: the kept ones are multiplied by {@code exp(s1 / s2)}, {@code s2} their sum.
 * </ul>
 *
 * then {@code z = W f' + b}. No fitted state; the cut-off is recomputed for each sample.
 */
public final class AshShaping implements LogitShaping {

  /** The three ASH variants. */
  public enum Variant {
    /** Prune. */
    P,
    /** Binarize. */
    B,
    /** Scale. */
    S
  }

  /** The default percentile of every variant: ASH-S@90 (authors), ASH-B@90 (OpenOOD). */
  public static final double DEFAULT_PERCENTILE = 90;

  private final HeadWeights head;
  private final Variant variant;
  private final double percentile;

  /** ASH {@code variant} at {@code percentile} over {@code head}. */
  public AshShaping(HeadWeights head, Variant variant, double percentile) {
    this.head = head;
    this.variant = variant;
    this.percentile = LinearPercentile.checkPercentile(percentile);
    TopK.kept(head.dim(), percentile);
  }

  @Override
  public String id() {
    return "ash-" + variant.name().toLowerCase(Locale.ROOT);
  }

  /** The percentile p. */
  public double percentile() {
    return percentile;
  }

  /** The shaped activations of {@code f} (a new array). */
  public static double[] shaped(double[] f, Variant variant, double percentile) {
    int n = f.length;
    int k = TopK.kept(n, percentile);
    boolean[] top = TopK.largest(f, k);
    double s1 = 0;
    double s2 = 0;
    for (int j = 0; j < n; j++) {
      s1 += f[j];
      if (top[j]) {
        s2 += f[j];
      }
    }
    double[] out = new double[n];
    double factor =
        switch (variant) {
          case P -> 1;
          case B -> s1 / k;
          case S -> Math.exp(s1 / s2);
        };
    for (int j = 0; j < n; j++) {
      if (top[j]) {
        out[j] = variant == Variant.B ? factor : f[j] * factor;
      }
    }
    return out;
  }

  @Override
  public double[] logits(double[] features) {
    head.checkDim(features.length);
    return head.logits(shaped(features, variant, percentile));
  }

  /** Every row shaped, then one float64 BLAS head product per block of rows. */
  @Override
  public double[][] logits(FloatMatrix features) {
    return head.logits(features, HeadWeights.RowShaping.of(f -> shaped(f, variant, percentile)));
  }
}
