package org.mos.trainer.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mos.common.metrics.Convention;
import org.mos.common.metrics.OodMetrics;

/** The demo's results: per method and OOD set the paper's metrics, plus the averages. */
record DemoResults(
    Convention convention,
    List<String> oodSets,
    Map<String, List<OodMetrics>> byMethod,
    Map<String, Object> accuracy,
    Map<String, Object> settings,
    double seconds) {

  /** Computes every method's metrics from scores keyed {@code set -> method -> scores}. */
  static DemoResults compute(
      Map<String, Map<String, double[]>> scores,
      Convention convention,
      Map<String, Object> accuracy,
      Map<String, Object> settings,
      double seconds) {
    Map<String, double[]> id = scores.get("id");
    List<String> sets = scores.keySet().stream().filter(s -> !s.equals("id")).toList();
    Map<String, List<OodMetrics>> byMethod = new LinkedHashMap<>();
    for (String method : DemoScores.METHODS) {
      List<OodMetrics> row = new ArrayList<>();
      for (String set : sets) {
        row.add(OodMetrics.compute(id.get(method), scores.get(set).get(method), convention));
      }
      row.add(OodMetrics.mean(row));
      byMethod.put(method, row);
    }
    return new DemoResults(convention, sets, byMethod, accuracy, settings, seconds);
  }

  /** The paper's table: AUROC / FPR95 in percent per OOD set and the average. */
  String toMarkdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("| method |");
    oodSets.forEach(s -> sb.append(' ').append(s).append(" |"));
    sb.append(" average |\n|---|");
    oodSets.forEach(s -> sb.append("---|"));
    sb.append("---|\n");
    byMethod.forEach(
        (method, row) -> {
          sb.append("| ").append(method).append(" |");
          for (OodMetrics m : row) {
            sb.append(
                String.format(Locale.ROOT, " %.2f / %.2f |", 100 * m.auroc(), 100 * m.fpr95()));
          }
          sb.append('\n');
        });
    sb.append("\nAUROC / FPR95 in percent (")
        .append(convention.id())
        .append(
            " convention: ID is the positive class, FPR95 = share of OOD accepted at 95% ID recall).")
        .append("\nID test accuracy: ");
    accuracy.forEach(
        (k, v) ->
            sb.append(k)
                .append(' ')
                .append(String.format(Locale.ROOT, "%.1f%%  ", 100 * (double) v)));
    sb.append("\n");
    return sb.toString();
  }

  String toCsv() {
    StringBuilder sb = new StringBuilder("method,ood,auroc,aupr_in,aupr_out,fpr95\n");
    byMethod.forEach(
        (method, row) -> {
          for (int i = 0; i < row.size(); i++) {
            OodMetrics m = row.get(i);
            String set = i < oodSets.size() ? oodSets.get(i) : "average";
            sb.append(
                String.format(
                    Locale.ROOT,
                    "%s,%s,%.6f,%.6f,%.6f,%.6f%n",
                    method,
                    set,
                    m.auroc(),
                    m.auprIn(),
                    m.auprOut(),
                    m.fpr95()));
          }
        });
    return sb.toString();
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("convention", convention.id());
    json.put("settings", settings);
    json.put("accuracy", accuracy);
    json.put("seconds", seconds);
    Map<String, Object> methods = new LinkedHashMap<>();
    byMethod.forEach(
        (method, row) -> {
          Map<String, Object> perSet = new LinkedHashMap<>();
          for (int i = 0; i < row.size(); i++) {
            OodMetrics m = row.get(i);
            perSet.put(
                i < oodSets.size() ? oodSets.get(i) : "average",
                Map.of(
                    "auroc", m.auroc(),
                    "aupr_in", m.auprIn(),
                    "aupr_out", m.auprOut(),
                    "fpr95", m.fpr95()));
          }
          methods.put(method, perSet);
        });
    json.put("results", methods);
    return json;
  }
}
