package org.mos.common.score;

/**
 * DICE, directed sparsification (Sun &amp; Li, "DICE: Leveraging Sparsification for
 * Out-of-Distribution Detection", ECCV 2022; {@code deeplearning-wisc/dice} {@code models/route.py}
 * L17-L33): the contribution {@code V[c][j] = m_j W[c][j]} of each weight, {@code m} the mean
 * feature of an ID fit set ({@code mos fit --dice-fit}); the weights whose contribution is above
 * the p-th percentile of all C·D contributions ({@link LinearPercentile}, strict {@code >}) are
 * kept, the others zeroed, the bias kept: {@code z = (W ⊙ M) f + b}.
 */
public final class DiceShaping implements LogitShaping {

  /** The authors' ImageNet sparsity percentile. */
  public static final double DEFAULT_PERCENTILE = 70;

  private final HeadWeights masked;
  private final double threshold;
  private final int keptWeights;

  /** DICE over {@code head} with the fitted mean feature {@code mean} at {@code percentile}. */
  public DiceShaping(HeadWeights head, double[] mean, double percentile) {
    LinearPercentile.checkPercentile(percentile);
    head.checkDim(mean.length);
    int c = head.classes();
    int d = head.dim();
    double[] contribution = new double[c * d];
    for (int i = 0; i < c; i++) {
      for (int j = 0; j < d; j++) {
        contribution[i * d + j] = mean[j] * head.weight(i, j);
      }
    }
    this.threshold = LinearPercentile.of(contribution, percentile);
    boolean[] keep = new boolean[contribution.length];
    int kept = 0;
    for (int i = 0; i < keep.length; i++) {
      keep[i] = contribution[i] > threshold;
      kept += keep[i] ? 1 : 0;
    }
    this.keptWeights = kept;
    this.masked = head.masked(keep);
  }

  @Override
  public String id() {
    return "dice";
  }

  /** The contribution threshold tau. */
  public double threshold() {
    return threshold;
  }

  /** How many weights the mask keeps. */
  public int keptWeights() {
    return keptWeights;
  }

  @Override
  public double[] logits(double[] features) {
    return masked.logits(features);
  }

  /** The masked head's logits of every row: one float64 BLAS product per block of rows. */
  @Override
  public double[][] logits(FloatMatrix features) {
    return masked.logits(features);
  }
}
