package org.mos.common.score;

/**
 * SCALE (Xu, Chen, Franchi &amp; Yao, "Scaling for Training Time and Post-hoc Out-of-distribution
 * Detection Enhancement", ICLR 2024; {@code kai422/SCALE} {@code scale_net.py} L29-L49): every
 * activation, none pruned, multiplied by {@code exp(s1 / s2)}, {@code s1} the sum of all and {@code
 * s2} the sum of the k largest ({@link TopK#kept}); then {@code z = W f' + b}. No fitted state;
 * independent of top-k tie order.
 */
public final class ScaleShaping implements LogitShaping {

  /** The percentile selected for ImageNet ResNet-50 ({@code scale.pkl}). */
  public static final double DEFAULT_PERCENTILE = 85;

  private final HeadWeights head;
  private final double percentile;

  /** SCALE at {@code percentile} over {@code head}. */
  public ScaleShaping(HeadWeights head, double percentile) {
    this.head = head;
    this.percentile = LinearPercentile.checkPercentile(percentile);
    TopK.kept(head.dim(), percentile);
  }

  @Override
  public String id() {
    return "scale";
  }

  /** The scaled activations of {@code f} (a new array). */
  public static double[] scaled(double[] f, double percentile) {
    int k = TopK.kept(f.length, percentile);
    double[] sorted = f.clone();
    java.util.Arrays.sort(sorted);
    double s1 = 0;
    for (double v : f) {
      s1 += v;
    }
    double s2 = 0;
    for (int i = 0; i < k; i++) {
      s2 += sorted[sorted.length - 1 - i];
    }
    double factor = Math.exp(s1 / s2);
    double[] out = new double[f.length];
    for (int j = 0; j < f.length; j++) {
      out[j] = f[j] * factor;
    }
    return out;
  }

  @Override
  public double[] logits(double[] features) {
    head.checkDim(features.length);
    return head.logits(scaled(features, percentile));
  }

  /** Every row scaled, then one float64 BLAS head product per block of rows. */
  @Override
  public double[][] logits(FloatMatrix features) {
    return head.logits(features, HeadWeights.RowShaping.of(f -> scaled(f, percentile)));
  }
}
