package org.mos.evaluator.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.mos.common.metrics.Convention;
import org.mos.common.metrics.OodMetrics;

/**
 * The report as Markdown: the paper's table (AUROC / FPR95), the AUPR table and the ID accuracy
 * (the console summary), and for {@code results.md} also the datasets, settings, skipped images and
 * pictures.
 */
final class MarkdownReport {

  /** Skipped-image groups listed in results.md; the rest are counted, all are in results.json. */
  static final int MAX_SKIPPED_GROUPS = 20;

  private MarkdownReport() {}

  /** The tables a run prints on the console: paper table, AUPR table, accuracy, n/a notes. */
  static String summary(RunMetrics run) {
    EvaluationResults results = run.results();
    StringBuilder out = new StringBuilder();
    metricTable(out, run, "test time (s)", MarkdownReport::aurocFpr95);
    out.append('\n').append(paperNote(results.convention())).append("\n\n");
    metricTable(out, run, null, MarkdownReport::auprs);
    out.append("\nAUPR-In / AUPR-Out in percent.\n");
    if (!results.idAccuracy().isEmpty()) {
      out.append("\n| bundle | ID accuracy (%) |\n|---|---|\n");
      results
          .idAccuracy()
          .forEach(
              (bundle, acc) ->
                  out.append("| ")
                      .append(cell(bundle))
                      .append(" | ")
                      .append(acc == null ? Percent.NOT_AVAILABLE : Percent.of(acc))
                      .append(" |\n"));
    }
    List<String> problems = run.problems();
    if (!problems.isEmpty()) {
      out.append("\nn/a: no metrics because the scores cannot be ranked:\n");
      problems.forEach(p -> out.append("- ").append(oneLine(p)).append('\n'));
    }
    return out.toString();
  }

  static String aurocFpr95(OodMetrics m) {
    return m == null
        ? Percent.NOT_AVAILABLE
        : Percent.of(m.auroc()) + " / " + Percent.of(m.fpr95());
  }

  static String auprs(OodMetrics m) {
    return m == null
        ? Percent.NOT_AVAILABLE
        : Percent.of(m.auprIn()) + " / " + Percent.of(m.auprOut());
  }

  /** How to read the first table's numbers under the run's convention. */
  static String paperNote(Convention convention) {
    String fpr =
        convention == Convention.PAPER
            ? "ID is the positive class; FPR95 = share of OOD images accepted at the threshold whose"
                + " ID recall is closest to 95%"
            : "OOD is the positive class; FPR95 = share of ID images flagged as OOD at the first"
                + " threshold that detects 95% of the OOD images";
    return "AUROC / FPR95 in percent (" + convention.id() + " convention: " + fpr + ").";
  }

  private static void metricTable(
      StringBuilder out, RunMetrics run, String timeHeader, Function<OodMetrics, String> cell) {
    List<String> sets = run.results().oodSets();
    out.append("| method |");
    sets.forEach(s -> out.append(' ').append(cell(s)).append(" |"));
    out.append(" average |");
    if (timeHeader != null) {
      out.append(' ').append(timeHeader).append(" |");
    }
    out.append("\n|---|").append("---|".repeat(sets.size() + (timeHeader == null ? 1 : 2)));
    out.append('\n');
    for (RunMetrics.Row row : run.rows()) {
      out.append("| ").append(cell(row.method().label())).append(" |");
      row.pairs().forEach(p -> out.append(' ').append(cell.apply(p.metrics())).append(" |"));
      out.append(' ').append(cell.apply(row.average())).append(" |");
      if (timeHeader != null) {
        out.append(' ').append(seconds(row.method().seconds())).append(" |");
      }
      out.append('\n');
    }
  }

  static String seconds(double s) {
    return Double.isFinite(s) ? String.format(Locale.ROOT, "%.1f", s) : Percent.NOT_AVAILABLE;
  }

  /** The whole results.md: a heading, the summary, datasets, settings, skipped, pictures. */
  static String document(RunMetrics run, List<Figure> figures, String figureProblem) {
    EvaluationResults results = run.results();
    StringBuilder out = new StringBuilder("# OOD evaluation: ");
    out.append(oneLine(results.idName())).append(" (ID)\n\n");
    out.append("Convention: ").append(results.convention().id());
    out.append(". Run time: ").append(seconds(results.seconds())).append(" s.\n\n");
    out.append(summary(run));
    out.append("\n## Datasets\n\n| dataset | role | images scored | images skipped |\n");
    out.append("|---|---|---|---|\n");
    for (RunSummary.Dataset d : RunSummary.datasets(results)) {
      out.append("| ").append(cell(d.name())).append(" | ").append(d.role());
      out.append(" | ").append(cell(d.scoredText())).append(" | ").append(d.skipped());
      out.append(" |\n");
    }
    settings(out, results.settings());
    skipped(out, results.skipped());
    if (figureProblem != null) {
      out.append("\n## Pictures\n\nThe pictures could not be drawn: ");
      out.append(text(figureProblem)).append('\n');
    } else if (!figures.isEmpty()) {
      out.append("\n## Pictures\n\n");
      figures.forEach(
          f ->
              out.append("- [")
                  .append(oneLine(f.title()))
                  .append("](")
                  .append(f.path())
                  .append(")\n"));
    }
    return out.toString();
  }

  private static void settings(StringBuilder out, Map<String, Object> settings) {
    if (settings.isEmpty()) {
      return;
    }
    out.append("\n## Settings\n\n");
    settings.forEach(
        (k, v) ->
            out.append("- ")
                .append(oneLine(k))
                .append(": `")
                .append(oneLine(RunSummary.settingText(v)).replace("`", "'"))
                .append("`\n"));
  }

  private static void skipped(StringBuilder out, List<SkippedImage> skipped) {
    out.append("\n## Skipped images\n\n");
    if (skipped.isEmpty()) {
      out.append("None.\n");
      return;
    }
    List<RunSummary.SkippedGroup> groups = RunSummary.skippedGroups(skipped);
    out.append(skipped.size())
        .append(" images could not be scored (all listed in results.json).\n\n");
    out.append("| dataset | reason | images |\n|---|---|---|\n");
    groups.stream()
        .limit(MAX_SKIPPED_GROUPS)
        .forEach(
            g ->
                out.append("| ")
                    .append(text(g.dataset()))
                    .append(" | ")
                    .append(text(g.reason()))
                    .append(" | ")
                    .append(g.count())
                    .append(" |\n"));
    if (groups.size() > MAX_SKIPPED_GROUPS) {
      out.append("\n... and ").append(groups.size() - MAX_SKIPPED_GROUPS);
      out.append(" more (dataset, reason) groups.\n");
    }
  }

  /** A table cell: one line, with the pipe that would end the cell escaped. */
  static String cell(String text) {
    return oneLine(text).replace("|", "\\|");
  }

  /**
   * Free text from the run (skipped reasons, dataset names) in a table of results.md: also with the
   * characters a Markdown renderer would take for HTML escaped.
   */
  static String text(String text) {
    return cell(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  static String oneLine(String text) {
    return String.valueOf(text).replaceAll("[\\r\\n\\t]+", " ");
  }
}
