package org.mos.common.inference;

import java.util.concurrent.atomic.AtomicReference;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.HeadWeights;

/**
 * Whether the classifier head read from a bundle's graph explains the bundle's logits: the
 * activation-shaping methods recompute the logits from shaped features with it, so a head that does
 * not reproduce the {@code logits} output (a graph whose logits are not a linear layer of the
 * {@code features} output) would give silently wrong scores. Checked on the first row of every
 * batch a shaping method scores; after the first mismatch the bundle's scorer refuses the shaping
 * methods with the reason. Thread-safe.
 */
final class HeadCheck {

  /**
   * The largest accepted difference between the recomputed and the output logits, relative to the
   * largest logit magnitude (at least 1): float32 inference of a 2048-wide layer differs from the
   * double recomputation by about 1e-6 relative.
   */
  static final double TOLERANCE = 1e-3;

  private final HeadWeights head;
  private final AtomicReference<String> refusal = new AtomicReference<>();

  HeadCheck(HeadWeights head, String refusal) {
    this.head = head;
    this.refusal.set(refusal);
  }

  /** The head, or null when the bundle has none usable. */
  HeadWeights head() {
    return refusal.get() == null ? head : null;
  }

  /** Why the shaping methods are refused, or null when they are not. */
  String refusal() {
    return refusal.get();
  }

  /**
   * Compares the head's logits of {@code features} with {@code logits}.
   *
   * @throws IllegalStateException when they differ beyond {@link #TOLERANCE}, after which {@link
   *     #refusal()} names the mismatch
   */
  void check(FloatMatrix features, FloatMatrix logits) {
    String r = refusal.get();
    if (r != null) {
      throw new IllegalStateException(r);
    }
    double scale = 1;
    double worst = 0;
    double[] f = new double[features.cols()];
    // the first row suffices to tell a wrong head and keeps the check's cost negligible
    for (int i = 0; i < Math.min(1, features.rows()); i++) {
      float[] x = features.row(i);
      for (int j = 0; j < f.length; j++) {
        f[j] = x[j];
      }
      double[] z = head.logits(f);
      float[] out = logits.row(i);
      for (int c = 0; c < z.length; c++) {
        scale = Math.max(scale, Math.abs(out[c]));
        worst = Math.max(worst, Math.abs(z[c] - out[c]));
      }
    }
    if (worst / scale > TOLERANCE) {
      String reason =
          "the classifier head read from model.onnx does not explain the model's logits (largest"
              + " relative difference "
              + String.format(java.util.Locale.ROOT, "%.3g", worst / scale)
              + " > "
              + TOLERANCE
              + "), so the activation-shaping methods are refused for this model";
      refusal.compareAndSet(null, reason);
      throw new IllegalStateException(reason);
    }
  }
}
