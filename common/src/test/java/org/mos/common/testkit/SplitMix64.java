package org.mos.common.testkit;

/**
 * The splitmix64 generator at a given place, the integer formula the Python fixture and benchmark
 * references (make_metrics_fixtures.py, metrics_ref.py) use for large score arrays, so that only
 * its parameters need storing. Computed in wrapping 64-bit integers on both sides.
 */
public final class SplitMix64 {

  private SplitMix64() {}

  /** splitmix64 of the state {@code seed * 2^32 + i}: the increment, then the finaliser. */
  public static long at(long seed, int i) {
    long z = (seed << 32) + i + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
