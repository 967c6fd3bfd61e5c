package org.mos.common.score;

import java.util.List;

/**
 * The magnitude of Mahalanobis' input perturbation, a setting (chosen or tuned, then recorded with
 * the fitted statistics; 0 = no perturbation). The perturbation (Lee et al., NeurIPS 2018, as the
 * MOS repo's {@code get_Mahalanobis_score}), done separately for every layer l: with c* the closest
 * class of the layer's features f, the loss {@code 1/2 (f - mu_c*)^T P (f - mu_c*)} is pulled back
 * to the input ({@link MahalanobisScore#layerCotangent} is its gradient with respect to f), {@code
 * x' = x - magnitude * sign(grad_x loss)}, and the layer's score is {@code max_c -1/2 (f(x') -
 * mu_c)^T P (f(x') - mu_c)}: the step moves the input towards its closest class mean.
 *
 * <p>As ODIN here ({@link OdinSettings}): the step is applied to the graph's input, the
 * <em>normalised</em> image (BiT: [-1, 1]), the signed gradient is not divided by the
 * normalisation's std (the MOS repo's script does not; Lee et al.'s original code does, which is
 * the same as stepping the [0, 1] image by the magnitude), a gradient entry of exactly zero counts
 * as positive ({@code torch.ge(grad, 0)}), and the perturbed input is not clamped. The reference's
 * loss is the batch mean; its 1/N does not change the signs, so the gradient here is per image.
 *
 * @param magnitude the step m, 0 or more (0 = the plain layer scores)
 */
public record MahalanobisMagnitude(double magnitude) {

  /** The magnitudes the paper's script tunes over (by the lowest FPR95 on validation data). */
  public static final List<Double> PAPER_MAGNITUDES =
      List.of(0.0, 0.01, 0.005, 0.002, 0.0014, 0.001, 0.0005);

  /**
   * The parameter of a bundle's {@code mahalanobis} statistics that holds the magnitude the
   * combiner was fitted with (absent = 0); the scorer perturbs by it.
   */
  public static final String MANIFEST_PARAMETER = "input_perturbation_magnitude";

  /** No perturbation. */
  public static final MahalanobisMagnitude NONE = new MahalanobisMagnitude(0);

  public MahalanobisMagnitude {
    if (!(magnitude >= 0) || Double.isInfinite(magnitude)) {
      throw new IllegalArgumentException(
          "mahalanobis: the perturbation magnitude must be a finite number of 0 or more but got "
              + magnitude);
    }
  }

  /** Whether the input is perturbed at all (magnitude > 0). */
  public boolean perturbs() {
    return magnitude > 0;
  }

  /**
   * One perturbed input value: {@code x - magnitude * (gradient >= 0 ? 1 : -1)}, gradient being
   * that of the loss 1/2 (f - mu_c*)^T P (f - mu_c*), so the step lowers the distance to the
   * closest class mean.
   */
  public float perturb(float x, float gradient) {
    return (float) (x - magnitude * (gradient >= 0 ? 1 : -1));
  }

  /** Every value of {@code x} perturbed by the matching entry of {@code gradient}. */
  public float[] perturb(float[] x, float[] gradient) {
    if (x.length != gradient.length) {
      throw new IllegalArgumentException(
          "an input of " + x.length + " values and a gradient of " + gradient.length);
    }
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = perturb(x[i], gradient[i]);
    }
    return out;
  }
}
