package org.mos.evaluator.report;

import org.mos.common.metrics.OodMetrics;

/**
 * results.csv: one row per method and OOD set plus one {@code average} row per method, metrics as
 * fractions at full precision (empty when not available), RFC 4180 (CRLF line ends, fields with a
 * comma, quote or line break quoted, quotes doubled).
 */
final class CsvReport {

  /** The header row. */
  static final String HEADER =
      "method,label,bundle,ood,id_images,ood_images,auroc,aupr_in,aupr_out,fpr95,seconds";

  /** The name of the mean row of each method (as common's MetricsReport names it). */
  static final String AVERAGE = "average";

  private static final String EOL = "\r\n";

  private CsvReport() {}

  static String of(RunMetrics run) {
    StringBuilder out = new StringBuilder(HEADER).append(EOL);
    for (RunMetrics.Row row : run.rows()) {
      MethodResult m = row.method();
      int oodTotal = 0;
      for (RunMetrics.Pair p : row.pairs()) {
        oodTotal += p.oodCount();
        line(out, m, p.ood(), p.idCount(), p.oodCount(), p.metrics());
      }
      line(out, m, AVERAGE, m.idScores().length, oodTotal, row.average());
    }
    return out.toString();
  }

  private static void line(
      StringBuilder out, MethodResult m, String ood, int ids, int oods, OodMetrics x) {
    out.append(field(m.method())).append(',').append(field(m.label())).append(',');
    out.append(field(m.bundle())).append(',').append(field(ood)).append(',');
    out.append(ids).append(',').append(oods).append(',');
    if (x == null) {
      out.append(",,,");
    } else {
      out.append(x.auroc()).append(',').append(x.auprIn()).append(',');
      out.append(x.auprOut()).append(',').append(x.fpr95());
    }
    out.append(',').append(Double.isFinite(m.seconds()) ? Double.toString(m.seconds()) : "");
    out.append(EOL);
  }

  /** A field quoted as RFC 4180 asks when it holds a comma, a quote or a line break. */
  static String field(String text) {
    if (text == null) {
      return "";
    }
    boolean plain = text.chars().noneMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
    return plain ? text : '"' + text.replace("\"", "\"\"") + '"';
  }
}
