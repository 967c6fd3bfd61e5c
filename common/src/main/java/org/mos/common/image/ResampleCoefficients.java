package org.mos.common.image;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Fixed-point weights of one of Pillow's antialiased filters ({@link Interpolation}) for resampling
 * one axis from {@code inSize} to {@code outSize} samples, as Pillow 9's {@code precompute_coeffs}
 * and {@code normalize_coeffs_8bpc} build them: the filter's support grows with the downscale
 * factor, weights are normalised to sum 1 in double precision, then scaled by 2^22 and rounded.
 *
 * <p>Output sample {@code i} reads {@code count(i)} input samples starting at {@code first(i)} with
 * weights {@code weights[i * taps + j]}. Tables are immutable and cached per (in, out, filter).
 */
final class ResampleCoefficients {

  /** Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2. */
  static final int PRECISION_BITS = 22;

  private static final int MAX_CACHED = 4096;
  private static final ConcurrentHashMap<Key, ResampleCoefficients> CACHE =
      new ConcurrentHashMap<>();

  private record Key(int inSize, int outSize, Interpolation filter) {}

  final int inSize;
  final int outSize;
  final int taps;
  final int[] first;
  final int[] count;
  final int[] weights;

  private ResampleCoefficients(int inSize, int outSize, Interpolation filter) {
    this.inSize = inSize;
    this.outSize = outSize;
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = filter.support() * filterScale;
    this.taps = (int) Math.ceil(support) * 2 + 1;
    this.first = new int[outSize];
    this.count = new int[outSize];
    this.weights = new int[outSize * taps];
    double[] w = new double[taps];
    double inverseScale = 1.0 / filterScale;
    for (int i = 0; i < outSize; i++) {
      double center = (i + 0.5) * scale;
      // (int) truncates toward zero, exactly like the C cast Pillow uses.
      int lo = Math.max((int) (center - support + 0.5), 0);
      int hi = Math.min((int) (center + support + 0.5), inSize);
      int n = hi - lo;
      double sum = 0.0;
      for (int j = 0; j < n; j++) {
        w[j] = filter.kernel((j + lo - center + 0.5) * inverseScale);
        sum += w[j];
      }
      for (int j = 0; j < n; j++) {
        double k = sum != 0.0 ? w[j] / sum : w[j];
        weights[i * taps + j] =
            k < 0
                ? (int) (-0.5 + k * (1 << PRECISION_BITS))
                : (int) (0.5 + k * (1 << PRECISION_BITS));
      }
      first[i] = lo;
      count[i] = n;
    }
  }

  /**
   * The (cached) table for resampling {@code inSize} samples to {@code outSize} with {@code
   * filter}.
   */
  static ResampleCoefficients of(int inSize, int outSize, Interpolation filter) {
    if (inSize <= 0 || outSize <= 0) {
      throw new IllegalArgumentException(
          "resample sizes must be positive, got " + inSize + " -> " + outSize);
    }
    Key key = new Key(inSize, outSize, filter);
    ResampleCoefficients c = CACHE.get(key);
    if (c == null) {
      if (CACHE.size() >= MAX_CACHED) {
        CACHE.clear(); // many distinct sizes: rebuilding a table is cheap, unbounded growth is not
      }
      c = CACHE.computeIfAbsent(key, k -> new ResampleCoefficients(inSize, outSize, filter));
    }
    return c;
  }
}
