package org.mos.evaluator.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.metrics.Convention;

/**
 * The fixtures of scripts/fixtures/make_report_fixtures.py (sklearn/NumPy reference values) and a
 * run built from them.
 */
final class ReportFixtures {

  private static JsonNode cases;

  private ReportFixtures() {}

  static synchronized JsonNode cases() {
    if (cases == null) {
      try (InputStream in =
          ReportFixtures.class.getResourceAsStream("/fixtures/report/report_cases.json")) {
        cases = new ObjectMapper().readTree(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cases;
  }

  static JsonNode run() {
    return cases().get("run");
  }

  static List<String> oodSets() {
    List<String> sets = new ArrayList<>();
    run().get("ood_sets").forEach(s -> sets.add(s.asText()));
    return sets;
  }

  /** The fixture's two methods, "MOS" from bundle "group" and "MSP <b>" from bundle "flat". */
  static List<MethodResult> methods() {
    List<MethodResult> methods = new ArrayList<>();
    int i = 0;
    for (JsonNode m : run().get("methods")) {
      Map<String, double[]> ood = new LinkedHashMap<>();
      for (String set : oodSets()) {
        ood.put(set, doubles(m.get("ood_scores").get(set)));
      }
      String label = m.get("label").asText();
      String method = i == 0 ? "mos" : "msp";
      methods.add(
          new MethodResult(
              method, label, i == 0 ? "group" : "flat", doubles(m.get("id_scores")), ood, 1.5 + i));
      i++;
    }
    return methods;
  }

  static EvaluationResults results(Convention convention, List<SkippedImage> skipped) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("transport", "in-process");
    settings.put("bundles", Map.of("group", "sha256:ab12", "flat", "sha256:cd34"));
    settings.put("paper_mode", true);
    // Jackson has no mapping for an object without properties: the report shows its text.
    settings.put(
        "opaque",
        new Object() {
          @Override
          public String toString() {
            return "opaque <setting>";
          }
        });
    Map<String, Double> accuracy = new LinkedHashMap<>();
    accuracy.put("group", 0.75);
    accuracy.put("flat", 0.8125);
    return new EvaluationResults(
        run().get("id").asText(),
        oodSets(),
        methods(),
        accuracy,
        convention,
        settings,
        skipped,
        12.25);
  }

  /** Expected metric {@code key} of method {@code index} against {@code set} ("average" too). */
  static double expected(String convention, int index, String set, String key) {
    return run().get("methods").get(index).get(convention).get(set).get(key).asDouble();
  }

  static String expectedPercent(int index, String set, String key) {
    return run().get("methods").get(index).get("paper_percent").get(set).get(key).asText();
  }

  /** Numbers, with NumPy's "nan", "inf" and "-inf" spelled as strings. */
  static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = array.get(i);
      out[i] =
          v.isNumber()
              ? v.asDouble()
              : switch (v.asText()) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> throw new IllegalArgumentException("not a number: " + v);
              };
    }
    return out;
  }
}
