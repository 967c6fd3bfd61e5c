package org.mos.evaluator.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The descriptive parts of a report shared by every format: how many images of each dataset were
 * scored and skipped, the skipped images grouped by reason, and settings values as text.
 */
final class RunSummary {

  /**
   * One dataset of the run.
   *
   * @param name the dataset's name
   * @param role {@code id} or {@code ood}
   * @param scored the number of scored images per bundle (bundles normally agree; they differ when
   *     an image failed in one bundle only)
   * @param skipped the number of skipped images of the dataset
   */
  record Dataset(String name, String role, Map<String, Integer> scored, long skipped) {
    Dataset {
      scored = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scored));
    }

    /** The scored count, or "bundle n, bundle m" when the bundles disagree. */
    String scoredText() {
      if (scored.isEmpty()) {
        return "0";
      }
      if (scored.values().stream().distinct().count() == 1) {
        return String.valueOf(scored.values().iterator().next());
      }
      List<String> parts = new ArrayList<>();
      scored.forEach((bundle, n) -> parts.add(bundle + " " + n));
      return String.join(", ", parts);
    }
  }

  /**
   * Skipped images that share a dataset and a reason.
   *
   * @param dataset the dataset
   * @param reason the reason
   * @param count how many images
   */
  record SkippedGroup(String dataset, String reason, long count) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private RunSummary() {}

  static List<Dataset> datasets(EvaluationResults results) {
    List<Dataset> out = new ArrayList<>();
    out.add(dataset(results, results.idName(), "id", m -> m.idScores()));
    for (String ood : results.oodSets()) {
      out.add(dataset(results, ood, "ood", m -> m.oodScores().get(ood)));
    }
    return out;
  }

  private static Dataset dataset(
      EvaluationResults results,
      String name,
      String role,
      java.util.function.Function<MethodResult, double[]> scores) {
    Map<String, Integer> scored = new LinkedHashMap<>();
    for (MethodResult m : results.methods()) {
      double[] s = scores.apply(m);
      scored.putIfAbsent(Objects.toString(m.bundle(), m.label()), s == null ? 0 : s.length);
    }
    long skipped = results.skipped().stream().filter(s -> name.equals(s.dataset())).count();
    return new Dataset(name, role, scored, skipped);
  }

  /** The skipped images grouped by (dataset, reason), largest group first, then by first seen. */
  static List<SkippedGroup> skippedGroups(Collection<SkippedImage> skipped) {
    Map<List<String>, Long> counts = new LinkedHashMap<>();
    for (SkippedImage s : skipped) {
      counts.merge(List.of(String.valueOf(s.dataset()), String.valueOf(s.reason())), 1L, Long::sum);
    }
    List<SkippedGroup> groups = new ArrayList<>();
    counts.forEach((key, n) -> groups.add(new SkippedGroup(key.get(0), key.get(1), n)));
    // A stable sort keeps first-seen order among equal counts.
    groups.sort((a, b) -> Long.compare(b.count(), a.count()));
    return groups;
  }

  /** A setting's value as one line of text: scalars as themselves, anything else as JSON. */
  static String settingText(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return value.toString();
    }
  }
}
