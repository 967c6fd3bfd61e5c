package org.mos.common.data.demo;

import java.util.SplittableRandom;

/** Per-image random generators derived from the benchmark seed and the image's place. */
final class Seeds {

  private Seeds() {}

  /**
   * A generator for one image: a pure function of the seed, a name (split and class, or OOD set)
   * and the index, so that images come out the same in any order or thread.
   */
  static SplittableRandom forImage(long seed, String where, int index) {
    long h = mix(seed ^ 0x6A09E667F3BCC909L);
    // String.hashCode is specified by the language, so this is stable across JVMs.
    h = mix(h ^ where.hashCode());
    h = mix(h ^ ((long) where.length() << 32) ^ index);
    return new SplittableRandom(h);
  }

  /** A generator for one choice made once per benchmark (such as a subsample). */
  static SplittableRandom forChoice(long seed, String what) {
    return forImage(seed, what, -1);
  }

  /** The finaliser of SplitMix64: a bijection that scrambles all bits. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * A standard normal deviate from four uniforms (Irwin-Hall, rescaled): plain arithmetic, so the
   * noise is the same on every JVM, which library Gaussians do not promise.
   */
  static double gaussian(SplittableRandom random) {
    double s =
        random.nextDouble() + random.nextDouble() + random.nextDouble() + random.nextDouble();
    return (s - 2.0) * 1.7320508075688772; // variance of the sum is 4/12
  }
}
