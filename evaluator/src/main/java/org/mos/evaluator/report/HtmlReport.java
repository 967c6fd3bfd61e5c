package org.mos.evaluator.report;

import java.util.Base64;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.mos.common.metrics.OodMetrics;

/**
 * report.html: one self-contained page (inline CSS, pictures embedded as PNG data URIs, no scripts,
 * nothing fetched) with the tables, the pictures, the datasets, the settings and the skipped
 * images. Every text that comes from the run is HTML-escaped.
 */
final class HtmlReport {

  /** Skipped images listed one by one; the rest are counted (all are in results.json). */
  static final int MAX_SKIPPED_ROWS = 500;

  /** Skipped-image (dataset, reason) groups listed. */
  static final int MAX_SKIPPED_GROUPS = 50;

  private static final String CSS =
      "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
          + "max-width:1200px;padding:0 1em;color:#222}"
          + "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
          + "table{border-collapse:collapse;margin:.5em 0}"
          + "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
          + "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
          + "th{background:#f3f3f3}"
          + ".note{color:#555;font-size:.9em}code{font-size:.9em;word-break:break-all}"
          + "figure{display:inline-block;margin:.5em}figcaption{font-size:.9em;color:#555}"
          + "img{max-width:100%;height:auto;border:1px solid #eee}";

  private HtmlReport() {}

  static String of(RunMetrics run, List<Figure> figures, String figureProblem) {
    EvaluationResults r = run.results();
    StringBuilder out = new StringBuilder(64 * 1024);
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.append("<title>OOD evaluation: ").append(escape(r.idName())).append("</title>\n");
    out.append("<style>").append(CSS).append("</style>\n</head>\n<body>\n");
    out.append("<h1>OOD evaluation: ").append(escape(r.idName())).append(" (ID)</h1>\n");
    out.append("<p>Convention: <b>").append(escape(r.convention().id())).append("</b>. Run time: ");
    out.append(MarkdownReport.seconds(r.seconds())).append(" s.</p>\n");
    out.append("<h2>AUROC / FPR95 (%)</h2>\n");
    metricTable(out, run, true);
    out.append("<p class=\"note\">").append(escape(MarkdownReport.paperNote(r.convention())));
    out.append(" Bold: the best AUROC and FPR95 of each column.</p>\n");
    out.append("<h2>AUPR-In / AUPR-Out (%)</h2>\n");
    metricTable(out, run, false);
    accuracy(out, r);
    List<String> problems = run.problems();
    if (!problems.isEmpty()) {
      out.append(
          "<p class=\"note\">n/a: no metrics because the scores cannot be ranked:</p>\n<ul>");
      problems.forEach(p -> out.append("<li>").append(escape(p)).append("</li>"));
      out.append("</ul>\n");
    }
    pictures(out, figures, figureProblem);
    datasets(out, r);
    settings(out, r);
    skipped(out, r.skipped());
    out.append("</body>\n</html>\n");
    return out.toString();
  }

  private static void metricTable(StringBuilder out, RunMetrics run, boolean paper) {
    List<String> sets = run.results().oodSets();
    out.append("<table>\n<tr><th>method</th>");
    sets.forEach(s -> out.append("<th>").append(escape(s)).append("</th>"));
    out.append("<th>average</th>").append(paper ? "<th>test time (s)</th>" : "").append("</tr>\n");
    int columns = sets.size() + 1;
    for (RunMetrics.Row row : run.rows()) {
      out.append("<tr><td>").append(escape(row.method().label())).append("</td>");
      for (int c = 0; c < columns; c++) {
        OodMetrics m = metricsAt(row, c);
        out.append("<td class=\"num\">");
        if (m == null) {
          out.append(Percent.NOT_AVAILABLE);
        } else if (paper) {
          boolean several = run.rows().size() > 1;
          boolean bestAuroc = several && m.auroc() == best(run, c, OodMetrics::auroc, true);
          boolean bestFpr = several && m.fpr95() == best(run, c, OodMetrics::fpr95, false);
          out.append(bold(Percent.of(m.auroc()), bestAuroc)).append(" / ");
          out.append(bold(Percent.of(m.fpr95()), bestFpr));
        } else {
          out.append(MarkdownReport.auprs(m));
        }
        out.append("</td>");
      }
      if (paper) {
        out.append("<td class=\"num\">").append(MarkdownReport.seconds(row.method().seconds()));
        out.append("</td>");
      }
      out.append("</tr>\n");
    }
    out.append("</table>\n");
  }

  private static String bold(String text, boolean bold) {
    return bold ? "<b>" + text + "</b>" : text;
  }

  /** Column c of a row: an OOD set, or the average after the last set. */
  private static OodMetrics metricsAt(RunMetrics.Row row, int c) {
    return c < row.pairs().size() ? row.pairs().get(c).metrics() : row.average();
  }

  /** The best value of column c (the paper bolds the highest AUROC and the lowest FPR95). */
  private static double best(
      RunMetrics run, int c, ToDoubleFunction<OodMetrics> metric, boolean highest) {
    double best = highest ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    for (RunMetrics.Row row : run.rows()) {
      OodMetrics other = metricsAt(row, c);
      if (other != null) {
        double v = metric.applyAsDouble(other);
        best = highest ? Math.max(best, v) : Math.min(best, v);
      }
    }
    return best;
  }

  private static void accuracy(StringBuilder out, EvaluationResults r) {
    if (r.idAccuracy().isEmpty()) {
      return;
    }
    out.append("<h2>ID accuracy</h2>\n<table>\n<tr><th>bundle</th><th>top-1 (%)</th></tr>\n");
    r.idAccuracy()
        .forEach(
            (bundle, acc) ->
                out.append("<tr><td>")
                    .append(escape(bundle))
                    .append("</td><td class=\"num\">")
                    .append(acc == null ? Percent.NOT_AVAILABLE : Percent.of(acc))
                    .append("</td></tr>\n"));
    out.append("</table>\n");
  }

  private static void pictures(StringBuilder out, List<Figure> figures, String problem) {
    out.append("<h2>Pictures</h2>\n");
    if (problem != null) {
      out.append("<p class=\"note\">The pictures could not be drawn: ").append(escape(problem));
      out.append("</p>\n");
    }
    for (Figure f : figures) {
      out.append("<figure><img alt=\"")
          .append(escape(f.title()))
          .append("\" src=\"data:image/png;base64,");
      out.append(Base64.getEncoder().encodeToString(f.png())).append("\">");
      out.append("<figcaption>").append(escape(f.title())).append(" (<a href=\"");
      out.append(escape(f.path())).append("\">").append(escape(f.path())).append("</a>)");
      out.append("</figcaption></figure>\n");
    }
  }

  private static void datasets(StringBuilder out, EvaluationResults r) {
    out.append("<h2>Datasets</h2>\n<table>\n<tr><th>dataset</th><th>role</th>");
    out.append("<th>images scored</th><th>images skipped</th></tr>\n");
    for (RunSummary.Dataset d : RunSummary.datasets(r)) {
      out.append("<tr><td>").append(escape(d.name())).append("</td><td>").append(d.role());
      out.append("</td><td class=\"num\">").append(escape(d.scoredText()));
      out.append("</td><td class=\"num\">").append(d.skipped()).append("</td></tr>\n");
    }
    out.append("</table>\n");
  }

  private static void settings(StringBuilder out, EvaluationResults r) {
    out.append("<h2>Settings</h2>\n");
    if (r.settings().isEmpty()) {
      out.append("<p>None recorded.</p>\n");
      return;
    }
    out.append("<table>\n");
    r.settings()
        .forEach(
            (k, v) ->
                out.append("<tr><th>")
                    .append(escape(k))
                    .append("</th><td><code>")
                    .append(escape(RunSummary.settingText(v)))
                    .append("</code></td></tr>\n"));
    out.append("</table>\n");
  }

  private static void skipped(StringBuilder out, List<SkippedImage> skipped) {
    out.append("<h2>Skipped images</h2>\n");
    if (skipped.isEmpty()) {
      out.append("<p>None.</p>\n");
      return;
    }
    out.append("<p>").append(skipped.size()).append(" images could not be scored.</p>\n");
    List<RunSummary.SkippedGroup> groups = RunSummary.skippedGroups(skipped);
    out.append("<table>\n<tr><th>dataset</th><th>reason</th><th>images</th></tr>\n");
    groups.stream()
        .limit(MAX_SKIPPED_GROUPS)
        .forEach(
            g ->
                out.append("<tr><td>")
                    .append(escape(g.dataset()))
                    .append("</td><td>")
                    .append(escape(g.reason()))
                    .append("</td><td class=\"num\">")
                    .append(g.count())
                    .append("</td></tr>\n"));
    out.append("</table>\n");
    if (groups.size() > MAX_SKIPPED_GROUPS) {
      out.append("<p class=\"note\">... and ").append(groups.size() - MAX_SKIPPED_GROUPS);
      out.append(" more (dataset, reason) groups.</p>\n");
    }
    out.append("<table>\n<tr><th>dataset</th><th>image</th><th>reason</th></tr>\n");
    skipped.stream()
        .limit(MAX_SKIPPED_ROWS)
        .forEach(
            s ->
                out.append("<tr><td>")
                    .append(escape(s.dataset()))
                    .append("</td><td>")
                    .append(escape(s.imageId()))
                    .append("</td><td>")
                    .append(escape(s.reason()))
                    .append("</td></tr>\n"));
    out.append("</table>\n");
    if (skipped.size() > MAX_SKIPPED_ROWS) {
      out.append("<p class=\"note\">... and ").append(skipped.size() - MAX_SKIPPED_ROWS);
      out.append(" more skipped images; results.json lists them all.</p>\n");
    }
  }

  /** Text safe in HTML element content and in quoted attribute values. */
  static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
