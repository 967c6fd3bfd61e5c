package org.mos.common.fit;

import java.util.Arrays;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InputBatch;
import org.mos.common.layout.GroupLayout;
import org.mos.common.score.FloatMatrix;

/**
 * The fast gradient sign method (Goodfellow et al., 2015) as the Mahalanobis reference makes the
 * negatives of its logistic-regression combiner (the MOS repo's {@code
 * tune_mahalanobis_hyperparams.py}, after Lee et al.'s {@code ADV_Samples.py}): {@code x_adv =
 * clamp(x + step * sign(grad_x CE(logits(x), y)), lower, upper)}, one step that raises the
 * cross-entropy of the logits against the <em>true</em> label y.
 *
 * <p>As the reference: the step is applied to the graph's input (the normalised image), a gradient
 * entry of exactly zero counts as positive ({@code torch.ge(grad, 0)}), the sum is taken in float32
 * ({@code torch.add(x, sign, alpha=0.05)}), and the result is clamped to [0, 1] although BiT's
 * inputs live in [-1, 1] ({@link #reference()}); {@link #imageRange} clamps to the range a valid
 * image has instead. The reference's batch-mean loss scales the gradient by 1/N, which does not
 * change its signs; here it is the summed loss. On a group-softmax bundle the loss is the model's
 * training loss, the sum over groups of the cross-entropy of each slice against the group label
 * (DESIGN §3); on a flat bundle that is the plain cross-entropy.
 *
 * @param step the signed step (the reference: 0.05)
 * @param lower per-channel lower bound of the clamp (3 values)
 * @param upper per-channel upper bound of the clamp (3 values)
 */
public record FgsmAttack(float step, float[] lower, float[] upper) {

  /** The reference's step. */
  public static final float PAPER_STEP = 0.05f;

  public FgsmAttack {
    if (!(step > 0) || Float.isInfinite(step)) {
      throw new IllegalArgumentException("the FGSM step must be a positive number but got " + step);
    }
    if (lower.length != 3 || upper.length != 3) {
      throw new IllegalArgumentException(
          "expected 3 per-channel clamp bounds but got " + lower.length + " and " + upper.length);
    }
    lower = lower.clone();
    upper = upper.clone();
    for (int c = 0; c < 3; c++) {
      if (!(lower[c] < upper[c])) {
        throw new IllegalArgumentException(
            "channel " + c + ": the clamp range [" + lower[c] + ", " + upper[c] + "] is empty");
      }
    }
  }

  /** The reference: step 0.05, clamped to [0, 1] on every channel of the normalised input. */
  public static FgsmAttack reference() {
    return new FgsmAttack(PAPER_STEP, new float[] {0, 0, 0}, new float[] {1, 1, 1});
  }

  /**
   * Step 0.05, clamped to the normalised values of [0, 1] pixels: {@code [(0 - mean) / std, (1 -
   * mean) / std]} per channel ([-1, 1] for BiT), i.e. the adversarial copy stays a valid image.
   */
  public static FgsmAttack imageRange(float[] mean, float[] std) {
    float[] lo = new float[3];
    float[] hi = new float[3];
    for (int c = 0; c < 3; c++) {
      lo[c] = (0 - mean[c]) / std[c];
      hi[c] = (1 - mean[c]) / std[c];
    }
    return new FgsmAttack(PAPER_STEP, lo, hi);
  }

  @Override
  public float[] lower() {
    return lower.clone();
  }

  @Override
  public float[] upper() {
    return upper.clone();
  }

  /**
   * The gradient with respect to the logits of the cross-entropy of one row against flat class
   * {@code label}: per slice of the layout, {@code softmax(slice) - onehot(target)}, the target
   * being the class's logit (flat) or its group label (group softmax: "others", position 0, in the
   * groups that do not hold the class).
   */
  public static float[] crossEntropyCotangent(float[] logits, int label, GroupLayout layout) {
    layout.checkLogitCount(logits.length);
    float[] out = new float[logits.length];
    int[] groupLabels = layout.isFlat() ? null : layout.groupLabels(label);
    for (int g = 0; g < layout.numGroups(); g++) {
      int start = layout.sliceStart(g);
      int length = layout.sliceLength(g);
      double max = Double.NEGATIVE_INFINITY;
      for (int i = start; i < start + length; i++) {
        max = Math.max(max, logits[i]);
      }
      double sum = 0;
      for (int i = start; i < start + length; i++) {
        sum += Math.exp(logits[i] - max);
      }
      int target = groupLabels == null ? layout.logitOf(label) : start + groupLabels[g];
      for (int i = start; i < start + length; i++) {
        out[i] = (float) (Math.exp(logits[i] - max) / sum - (i == target ? 1 : 0));
      }
    }
    return out;
  }

  /**
   * One adversarial value: {@code clamp(x + step * (gradient >= 0 ? 1 : -1))} in float32, with the
   * bounds of {@code channel}.
   */
  public float perturb(float x, float gradient, int channel) {
    float moved = x + step * (gradient >= 0 ? 1f : -1f);
    return Math.min(upper[channel], Math.max(lower[channel], moved));
  }

  /**
   * Every value of {@code count} CHW images perturbed by the matching gradient entry.
   *
   * @throws IllegalArgumentException when the lengths differ or are not {@code count} images of 3
   *     channels
   */
  public float[] perturb(float[] x, float[] gradient, int count) {
    if (x.length != gradient.length || count < 1 || x.length % (3 * count) != 0) {
      throw new IllegalArgumentException(
          "an input of "
              + x.length
              + " values and a gradient of "
              + gradient.length
              + " are not "
              + count
              + " images of 3 channels");
    }
    int plane = x.length / count / 3;
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = perturb(x[i], gradient[i], (i / plane) % 3);
    }
    return out;
  }

  /**
   * The adversarial copies of {@code count} preprocessed images: one forward for the logits, the
   * cross-entropy cotangents against {@code labels}, one pass of the bundle's VJP graph, the step.
   *
   * @param x count CHW images in C order, as the model takes them
   * @param labels the flat class of each image
   * @throws IllegalStateException when the bundle has no VJP graph of the logits
   */
  public float[] attack(BundleModel model, float[] x, int count, int[] labels) {
    if (labels.length != count) {
      throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
    }
    GroupLayout layout = layoutOf(model);
    InputBatch batch = MahalanobisGridScores.batchOf(model, x, count);
    FloatMatrix logits =
        model.run(batch, count, java.util.List.of(BundleModel.LOGITS)).get("logits");
    float[] cotangent = new float[count * logits.cols()];
    for (int r = 0; r < count; r++) {
      float[] row = crossEntropyCotangent(logits.row(r), labels[r], layout);
      System.arraycopy(row, 0, cotangent, r * row.length, row.length);
    }
    return perturb(x, model.inputGradient(batch, count, cotangent), count);
  }

  private static GroupLayout layoutOf(BundleModel model) {
    var m = model.manifest();
    return m.groupSizes() == null
        ? GroupLayout.flat(m.classNames().size())
        : GroupLayout.ofSizes(m.groupSizes().stream().mapToInt(Integer::intValue).toArray());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FgsmAttack a
        && step == a.step
        && Arrays.equals(lower, a.lower)
        && Arrays.equals(upper, a.upper);
  }

  @Override
  public int hashCode() {
    return Float.hashCode(step) * 31 + Arrays.hashCode(lower) * 7 + Arrays.hashCode(upper);
  }

  @Override
  public String toString() {
    return "FGSM step "
        + step
        + ", clamped to "
        + Arrays.toString(lower)
        + " .. "
        + Arrays.toString(upper);
  }
}
