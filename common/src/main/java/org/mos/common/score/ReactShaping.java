package org.mos.common.score;

/**
 * ReAct (Sun, Guo &amp; Li, "ReAct: Out-of-distribution Detection With Rectified Activations",
 * NeurIPS 2021; {@code deeplearning-wisc/react} {@code models/resnet.py} L306-L313): every
 * penultimate unit clipped from above at c, {@code f'_j = min(f_j, c)}, then {@code z = W f' + b}.
 * c is fitted: a percentile (90 by default) of all activations of an ID set ({@code mos fit
 * --react-fit}).
 */
public final class ReactShaping implements LogitShaping {

  /** The authors' percentile of the ID activations (ResNet-50: c = 1.0). */
  public static final double DEFAULT_PERCENTILE = 90;

  private final HeadWeights head;
  private final double clip;

  /** ReAct with clip value {@code clip} (finite) over {@code head}. */
  public ReactShaping(HeadWeights head, double clip) {
    if (!Double.isFinite(clip)) {
      throw new IllegalArgumentException("react clip is " + clip + "; expected a finite number");
    }
    this.head = head;
    this.clip = clip;
  }

  /** The clip value c. */
  public double clip() {
    return clip;
  }

  @Override
  public String id() {
    return "react";
  }

  /** {@code min(f_j, c)} for every unit (no lower bound). */
  public static double[] clipped(double[] f, double c) {
    double[] out = new double[f.length];
    for (int j = 0; j < f.length; j++) {
      out[j] = Math.min(f[j], c);
    }
    return out;
  }

  @Override
  public double[] logits(double[] features) {
    return head.logits(clipped(features, clip));
  }

  /** Every row clipped in place, then one float64 BLAS head product per block of rows. */
  @Override
  public double[][] logits(FloatMatrix features) {
    return head.logits(
        features,
        (rows, offset, length) -> {
          for (int j = offset; j < offset + length; j++) {
            rows[j] = Math.min(rows[j], clip);
          }
        });
  }
}
