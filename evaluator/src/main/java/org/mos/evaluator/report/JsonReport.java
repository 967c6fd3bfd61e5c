package org.mos.evaluator.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.UncheckedIOException;
import java.util.List;
import org.mos.common.metrics.OodMetrics;

/**
 * results.json: every metric as a fraction in [0, 1] (null where not available, with the reason),
 * the settings as given, the ID accuracy per bundle, the dataset counts, the pictures and the full
 * list of skipped images.
 */
final class JsonReport {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private JsonReport() {}

  static String of(RunMetrics run, List<Figure> figures, String figureProblem) {
    EvaluationResults results = run.results();
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", results.idName());
    root.put("convention", results.convention().id());
    putNumber(root, "seconds", results.seconds());
    ObjectNode settings = root.putObject("settings");
    results.settings().forEach((k, v) -> settings.set(k, tree(v)));
    ObjectNode accuracy = root.putObject("id_accuracy");
    results.idAccuracy().forEach((bundle, acc) -> putNumber(accuracy, bundle, acc));
    ArrayNode datasets = root.putArray("datasets");
    for (RunSummary.Dataset d : RunSummary.datasets(results)) {
      ObjectNode node = datasets.addObject();
      node.put("name", d.name());
      node.put("role", d.role());
      node.set("scored", MAPPER.valueToTree(d.scored()));
      node.put("skipped", d.skipped());
    }
    ArrayNode methods = root.putArray("methods");
    for (RunMetrics.Row row : run.rows()) {
      method(methods.addObject(), row);
    }
    ArrayNode pictures = root.putArray("figures");
    for (Figure f : figures) {
      ObjectNode node = pictures.addObject();
      node.put("kind", f.kind());
      node.put("subject", f.subject());
      node.put("path", f.path());
    }
    if (figureProblem != null) {
      root.put("figures_problem", figureProblem);
    }
    root.put("skipped_count", results.skipped().size());
    ArrayNode skipped = root.putArray("skipped");
    for (SkippedImage s : results.skipped()) {
      ObjectNode node = skipped.addObject();
      node.put("dataset", s.dataset());
      node.put("image_id", s.imageId());
      node.put("reason", s.reason());
    }
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A setting as JSON: as Jackson maps it, or its text when Jackson cannot map it. */
  private static JsonNode tree(Object value) {
    try {
      return MAPPER.valueToTree(value);
    } catch (IllegalArgumentException e) {
      return TextNode.valueOf(String.valueOf(value));
    }
  }

  private static void method(ObjectNode node, RunMetrics.Row row) {
    MethodResult m = row.method();
    node.put("method", m.method());
    node.put("label", m.label());
    node.put("bundle", m.bundle());
    putNumber(node, "seconds", m.seconds());
    node.put("id_images", m.idScores().length);
    ObjectNode per = node.putObject("ood");
    for (RunMetrics.Pair p : row.pairs()) {
      ObjectNode set = per.putObject(p.ood());
      set.put("ood_images", p.oodCount());
      putMetrics(set, p.metrics());
      if (p.problem() != null) {
        set.put("problem", p.problem());
      }
    }
    putMetrics(node.putObject("average"), row.average());
  }

  /** The four metrics, as common's MetricsReport names them; nulls when not available. */
  private static void putMetrics(ObjectNode node, OodMetrics m) {
    putNumber(node, "auroc", m == null ? null : m.auroc());
    putNumber(node, "aupr_in", m == null ? null : m.auprIn());
    putNumber(node, "aupr_out", m == null ? null : m.auprOut());
    putNumber(node, "fpr95", m == null ? null : m.fpr95());
  }

  /** A number, or null when missing or not finite (JSON has no NaN). */
  private static void putNumber(ObjectNode node, String name, Double value) {
    if (value == null || !Double.isFinite(value)) {
      node.putNull(name);
    } else {
      node.put(name, value);
    }
  }
}
