package org.mos.common.score;

/**
 * ODIN's settings (Liang, Li &amp; Srikant, ICLR 2018): the temperature T and the input
 * perturbation magnitude epsilon, whose paper default 0 does not perturb. With epsilon above 0 an
 * image is perturbed as {@code x' = x - epsilon * sign(-grad_x log S_y(x; T))}, y the predicted
 * class, S the softmax of logits / T; the score is then {@code max softmax(logits(x') / T)}. -log
 * S_y is the cross-entropy of logits / T against y, so its gradient with respect to the logits (the
 * cotangent that the bundle's gradient graph pulls back to the input) is {@code (softmax(logits /
 * T) - onehot(y)) / T}; a gradient entry of exactly zero counts as positive, as {@code
 * torch.ge(grad, 0)} in the reference code.
 *
 * <p>The passes on the model that apply it are ODIN's method scorer's ({@code
 * org.mos.common.inference.OdinMethodScorer}). The perturbation is applied to the graph's input,
 * i.e. to the <em>normalised</em> image (BiT: [-1, 1]), as the MOS paper's script does; an epsilon
 * of e there moves each pixel by e times the normalisation's std (0.5 for BiT) in [0, 1] pixel
 * units.
 *
 * @param epsilon the perturbation magnitude, 0 or more (0 = temperature scaling only)
 * @param temperature the temperature T, positive
 */
public record OdinSettings(double epsilon, double temperature) {

  /** The MOS paper's script: no perturbation, T = 1000. */
  public static final OdinSettings PAPER_DEFAULT =
      new OdinSettings(0, OdinScore.DEFAULT_TEMPERATURE);

  public OdinSettings {
    if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException(
          "odin: epsilon must be a finite number of 0 or more but got " + epsilon);
    }
    TemperatureSoftmax.checkTemperature("odin", temperature);
  }

  /** Whether the input is perturbed at all (epsilon > 0). */
  public boolean perturbs() {
    return epsilon > 0;
  }

  /**
   * The cotangent of the logits for one row: {@code (softmax(row / T) - onehot(argmax row)) / T},
   * the first maximum winning ties (as {@code np.argmax}).
   */
  public float[] cotangent(float[] row) {
    int arg = 0;
    for (int c = 1; c < row.length; c++) {
      if (row[c] > row[arg]) {
        arg = c;
      }
    }
    double max = row[arg];
    double sum = 0;
    double[] e = new double[row.length];
    for (int c = 0; c < row.length; c++) {
      e[c] = Math.exp((row[c] - max) / temperature);
      sum += e[c];
    }
    float[] out = new float[row.length];
    for (int c = 0; c < row.length; c++) {
      out[c] = (float) ((e[c] / sum - (c == arg ? 1 : 0)) / temperature);
    }
    return out;
  }

  /**
   * One perturbed input value: {@code x - epsilon * (gradient >= 0 ? 1 : -1)}, where gradient is
   * the gradient of the cross-entropy (so the step lowers it, raising the predicted class's
   * softmax).
   */
  public float perturb(float x, float gradient) {
    return (float) (x - epsilon * (gradient >= 0 ? 1 : -1));
  }
}
