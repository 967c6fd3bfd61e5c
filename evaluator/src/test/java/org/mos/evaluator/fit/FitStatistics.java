package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;

/** Compares the fitted statistics of two bundles written by {@code mos fit}. */
public final class FitStatistics {

  private FitStatistics() {}

  /** Every .npy of the two bundles and the Mahalanobis statistics agree to a relative tolerance. */
  public static void assertSame(Path expected, Path actual, double tolerance) throws IOException {
    List<Path> arrays;
    try (Stream<Path> files = Files.list(expected)) {
      arrays = files.filter(p -> p.toString().endsWith(".npy")).sorted().toList();
    }
    assertThat(arrays)
        .extracting(p -> p.getFileName().toString())
        .contains("kl_class_means.npy", "knn_bank.npy", "calibration_knn.npy");
    for (Path a : arrays) {
      NpyArray want = Npy.read(a);
      NpyArray got = Npy.read(actual.resolve(a.getFileName()));
      assertThat(got.shape()).as(a.toString()).containsExactly(want.shape());
      for (int i = 0; i < want.size(); i++) {
        double w = want.isInteger() ? want.longs()[i] : want.values()[i];
        double g = got.isInteger() ? got.longs()[i] : got.values()[i];
        assertThat(Math.abs(g - w))
            .as("%s[%d]: %s vs %s", a.getFileName(), i, g, w)
            .isLessThanOrEqualTo(tolerance * Math.max(1, Math.abs(w)));
      }
    }
    ObjectMapper json = new ObjectMapper();
    if (Files.exists(expected.resolve("mahalanobis.json"))) {
      assertSameNumbers(
          "mahalanobis.json",
          json.readTree(expected.resolve("mahalanobis.json").toFile()),
          json.readTree(actual.resolve("mahalanobis.json").toFile()),
          tolerance);
    }
  }

  private static void assertSameNumbers(
      String path, JsonNode want, JsonNode got, double tolerance) {
    if (want.isNumber()) {
      assertThat(Math.abs(got.asDouble() - want.asDouble()))
          .as(path)
          .isLessThanOrEqualTo(tolerance * Math.max(1, Math.abs(want.asDouble())));
      return;
    }
    assertThat(got.size()).as(path).isEqualTo(want.size());
    if (want.isArray()) {
      for (int i = 0; i < want.size(); i++) {
        assertSameNumbers(path + "[" + i + "]", want.get(i), got.get(i), tolerance);
      }
    } else if (want.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        assertSameNumbers(path + "." + e.getKey(), e.getValue(), got.get(e.getKey()), tolerance);
      }
    } else {
      assertThat(got).as(path).isEqualTo(want);
    }
  }
}
