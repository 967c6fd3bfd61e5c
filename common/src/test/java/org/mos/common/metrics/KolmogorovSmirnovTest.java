package org.mos.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** Against SciPy's ks_2samp and kstwobign (scripts/fixtures/make_ks_fixtures.py). */
class KolmogorovSmirnovTest {

  private static List<String[]> reference() throws Exception {
    List<String[]> lines = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(
                    KolmogorovSmirnovTest.class.getResourceAsStream("/ks/reference.txt")),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line.trim().split(" "));
      }
    }
    return lines;
  }

  private static double[] sorted(String[] fields) {
    double[] v = Arrays.stream(fields, 1, fields.length).mapToDouble(Double::parseDouble).toArray();
    Arrays.sort(v);
    return v;
  }

  @Test
  void statisticMatchesScipyIncludingTiesAndIdenticalSamples() throws Exception {
    List<String[]> lines = reference();
    int cases = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i)[0].equals("case")) {
        double expected = Double.parseDouble(lines.get(i)[2]);
        double[] a = sorted(lines.get(i + 1));
        double[] b = sorted(lines.get(i + 2));
        assertThat(KolmogorovSmirnov.statistic(a, b))
            .as(lines.get(i)[1])
            .isCloseTo(expected, within(1e-12));
        assertThat(KolmogorovSmirnov.statistic(b, a)).isCloseTo(expected, within(1e-12));
        cases++;
      }
    }
    assertThat(cases).isEqualTo(3);
  }

  @Test
  void limitingDistributionMatchesScipyKstwobign() throws Exception {
    int points = 0;
    for (String[] f : reference()) {
      if (f[0].equals("kolmogorov_sf")) {
        double x = Double.parseDouble(f[1]);
        double expected = Double.parseDouble(f[2]);
        assertThat(KolmogorovSmirnov.kolmogorovSurvival(x))
            .as("x = %s", x)
            .isCloseTo(expected, within(Math.max(1e-12, expected * 1e-9)));
        points++;
      }
    }
    assertThat(points).isEqualTo(7);
  }

  @Test
  void pValueUsesTheEffectiveSampleSize() {
    // n = m = 50: en = 25, sqrt(en) * 0.272 = 1.36 -> about 0.0495 (the 5% critical value)
    assertThat(KolmogorovSmirnov.pValue(0.272, 50, 50)).isCloseTo(0.049486, within(1e-5));
    assertThat(KolmogorovSmirnov.pValue(0, 50, 50)).isEqualTo(1.0);
  }

  @Test
  void emptySampleIsRefused() {
    assertThatThrownBy(() -> KolmogorovSmirnov.statistic(new double[0], new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-empty");
  }
}
