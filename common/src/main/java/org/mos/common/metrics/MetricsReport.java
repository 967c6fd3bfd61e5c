package org.mos.common.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The metrics of one ID set against several OOD sets, with their mean, rendered as the paper's
 * table, as JSON or as CSV.
 *
 * @param convention the convention the metrics were computed in
 * @param results one entry per OOD set, in the order to print
 */
public record MetricsReport(Convention convention, List<Entry> results) {

  /** The label of the mean row in the table and the CSV. */
  public static final String AVERAGE = "average";

  /**
   * The metrics of one OOD set.
   *
   * @param ood the OOD set's name
   * @param metrics its metrics against the ID set
   */
  public record Entry(String ood, OodMetrics metrics) {
    public Entry {
      if (ood == null || ood.isBlank()) {
        throw new IllegalArgumentException("an OOD set needs a non-blank name");
      }
    }
  }

  public MetricsReport {
    results = List.copyOf(results);
    if (results.isEmpty()) {
      throw new IllegalArgumentException("a report needs at least one OOD set");
    }
    Set<String> names = new HashSet<>();
    for (Entry e : results) {
      if (!names.add(e.ood())) {
        throw new IllegalArgumentException("OOD set '" + e.ood() + "' appears twice");
      }
      if (e.ood().equalsIgnoreCase(AVERAGE)) {
        throw new IllegalArgumentException(
            "an OOD set may not be called '" + e.ood() + "': the mean row has that name");
      }
    }
  }

  /** The element-wise mean over the OOD sets (the paper's "average" column). */
  public OodMetrics average() {
    return OodMetrics.mean(results.stream().map(Entry::metrics).toList());
  }

  /**
   * The paper's layout: one row per OOD set and a final average row, percentages with two decimals.
   */
  public String toTable() {
    int width = "Average".length();
    for (Entry e : results) {
      width = Math.max(width, e.ood().length());
    }
    String row = "%-" + width + "s  %7s  %7s  %8s  %7s\n";
    StringBuilder out = new StringBuilder();
    out.append("Convention: ").append(convention.id()).append("\n");
    out.append(String.format(Locale.ROOT, row, "OOD set", "AUROC", "AUPR-In", "AUPR-Out", "FPR95"));
    for (Entry e : results) {
      out.append(tableRow(row, e.ood(), e.metrics()));
    }
    out.append(tableRow(row, "Average", average()));
    return out.toString();
  }

  private static String tableRow(String row, String name, OodMetrics m) {
    return String.format(
        Locale.ROOT,
        row,
        name,
        percent(m.auroc()),
        percent(m.auprIn()),
        percent(m.auprOut()),
        percent(m.fpr95()));
  }

  /**
   * Rounds the exact binary value of 100 * fraction (as Python's {@code '%.2f'} does), not its
   * shortest decimal form: String.format would print 24.955 - 4e-15 as 24.96.
   */
  static String percent(double fraction) {
    return new BigDecimal(100 * fraction).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
  }

  /**
   * {@code {"convention": ..., "results": [{"ood": NAME, "auroc": x, "aupr_in": x, "aupr_out": x,
   * "fpr95": x}, ...], "average": {...}}}, fractions in [0, 1], pretty-printed.
   */
  public String toJson() {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("convention", convention.id());
    ArrayNode array = root.putArray("results");
    for (Entry e : results) {
      ObjectNode node = array.addObject();
      node.put("ood", e.ood());
      putMetrics(node, e.metrics());
    }
    putMetrics(root.putObject("average"), average());
    try {
      return mapper.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void putMetrics(ObjectNode node, OodMetrics m) {
    node.put("auroc", m.auroc());
    node.put("aupr_in", m.auprIn());
    node.put("aupr_out", m.auprOut());
    node.put("fpr95", m.fpr95());
  }

  /**
   * A header {@code ood,auroc,aupr_in,aupr_out,fpr95}, one row per OOD set and a last row named
   * {@value #AVERAGE}; fractions in [0, 1] at full precision; names quoted as RFC 4180 asks.
   */
  public String toCsv() {
    StringBuilder out = new StringBuilder("ood,auroc,aupr_in,aupr_out,fpr95\n");
    for (Entry e : results) {
      out.append(csvRow(e.ood(), e.metrics()));
    }
    out.append(csvRow(AVERAGE, average()));
    return out.toString();
  }

  private static String csvRow(String name, OodMetrics m) {
    return quote(name)
        + ","
        + m.auroc()
        + ","
        + m.auprIn()
        + ","
        + m.auprOut()
        + ","
        + m.fpr95()
        + "\n";
  }

  private static String quote(String field) {
    boolean plain = field.chars().noneMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
    return plain ? field : '"' + field.replace("\"", "\"\"") + '"';
  }
}
