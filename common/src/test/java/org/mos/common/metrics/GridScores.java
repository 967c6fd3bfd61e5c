package org.mos.common.metrics;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The integer formula of {@code make_metrics_fixtures.py} for its large cases, so the fixture
 * stores only the formula's parameters: score i = (splitmix64(seed * 2^32 + i) mod modulus +
 * offset) / 8, a small grid on which many scores tie. Both sides compute it in wrapping 64-bit
 * integers.
 */
final class GridScores {

  private GridScores() {}

  static double[] generate(JsonNode spec) {
    long seed = spec.get("seed").asLong();
    int n = spec.get("n").asInt();
    long modulus = spec.get("modulus").asLong();
    long offset = spec.get("offset").asLong();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      long z = (seed << 32) + i + 0x9E3779B97F4A7C15L;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z = z ^ (z >>> 31);
      out[i] = (Long.remainderUnsigned(z, modulus) + offset) / 8.0;
    }
    return out;
  }
}
