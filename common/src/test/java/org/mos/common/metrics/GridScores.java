package org.mos.common.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import org.mos.common.testkit.SplitMix64;

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
      out[i] = (Long.remainderUnsigned(SplitMix64.at(seed, i), modulus) + offset) / 8.0;
    }
    return out;
  }
}
