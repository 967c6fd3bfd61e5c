package org.mos.trainer.train;

import java.util.SplittableRandom;

/**
 * Mixup as BiT applies it: one {@code lambda ~ Beta(alpha, alpha)} per optimiser step, images mixed
 * with a random permutation of the micro-batch, {@code x = lambda * x + (1 - lambda) * x[perm]},
 * and the loss {@code lambda * L(y) + (1 - lambda) * L(y[perm])}. For group labels the same weights
 * apply to the group loss of both label vectors.
 */
public final class Mixup {

  private Mixup() {}

  /** A draw from Beta(alpha, alpha), via two gamma draws in log space (stable for small alpha). */
  public static double lambda(double alpha, SplittableRandom random) {
    double logX = logGamma(alpha, random);
    double logY = logGamma(alpha, random);
    return 1.0 / (1.0 + Math.exp(logY - logX));
  }

  /** Log of a Gamma(shape, 1) draw: Marsaglia-Tsang, with the shape + 1 boost below 1. */
  static double logGamma(double shape, SplittableRandom random) {
    if (shape < 1) {
      double u = 1.0 - random.nextDouble(); // in (0, 1]
      return logGamma(shape + 1, random) + Math.log(u) / shape;
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = gaussian(random);
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = 1.0 - random.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return Math.log(d * v);
      }
    }
  }

  private static double gaussian(SplittableRandom random) {
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A uniformly random permutation of 0..n-1. */
  public static int[] permutation(int n, SplittableRandom random) {
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }

  /** {@code lambda * a + (1 - lambda) * b[perm]} row-wise, rows of {@code rowLength} floats. */
  public static float[] mix(float[] rows, int rowLength, int[] perm, double lambda) {
    float[] out = new float[rows.length];
    for (int r = 0; r < perm.length; r++) {
      int a = r * rowLength;
      int b = perm[r] * rowLength;
      for (int i = 0; i < rowLength; i++) {
        out[a + i] = (float) (lambda * rows[a + i] + (1 - lambda) * rows[b + i]);
      }
    }
    return out;
  }
}
