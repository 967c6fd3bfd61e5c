package org.mos.evaluator.report;

import java.util.ArrayList;
import java.util.List;
import org.mos.common.metrics.OodMetrics;
import org.mos.common.metrics.ScoreRanking;

/**
 * The metrics of every (method, OOD set) pair of a run, each ranking computed once and shared by
 * the tables, the files and the ROC pictures. A pair whose scores cannot be ranked (a NaN score, an
 * empty or missing set) gets no metrics but a reason, so one bad method does not cost the whole
 * report; its average is then not available either, since a mean over fewer sets would not be
 * comparable with the other rows.
 */
final class RunMetrics {

  /**
   * One method against one OOD set.
   *
   * @param ood the OOD set
   * @param idCount the number of ID scores
   * @param oodCount the number of OOD scores (0 when the set is missing)
   * @param ranking the merged ranking, or null when {@code problem} is set
   * @param metrics the metrics, or null when {@code problem} is set
   * @param problem why there are no metrics, or null
   */
  record Pair(
      String ood,
      int idCount,
      int oodCount,
      ScoreRanking ranking,
      OodMetrics metrics,
      String problem) {

    boolean available() {
      return metrics != null;
    }
  }

  /**
   * One method's row: its pairs in report order and their mean.
   *
   * @param method the method's scores
   * @param pairs one entry per OOD set, in report order
   * @param average the mean of the pairs' metrics, or null when any pair has none
   */
  record Row(MethodResult method, List<Pair> pairs, OodMetrics average) {
    Row {
      pairs = List.copyOf(pairs);
    }
  }

  private final EvaluationResults results;
  private final List<Row> rows;

  private RunMetrics(EvaluationResults results, List<Row> rows) {
    this.results = results;
    this.rows = List.copyOf(rows);
  }

  static RunMetrics of(EvaluationResults results) {
    ReportWriter.checkNames(results.idName(), results.oodSets());
    List<Row> rows = new ArrayList<>();
    for (MethodResult m : results.methods()) {
      List<Pair> pairs = new ArrayList<>();
      for (String ood : results.oodSets()) {
        pairs.add(pair(results, m, ood));
      }
      boolean complete = pairs.stream().allMatch(Pair::available);
      OodMetrics average =
          complete && !pairs.isEmpty()
              ? OodMetrics.mean(pairs.stream().map(Pair::metrics).toList())
              : null;
      rows.add(new Row(m, pairs, average));
    }
    return new RunMetrics(results, rows);
  }

  private static Pair pair(EvaluationResults results, MethodResult m, String ood) {
    double[] id = m.idScores();
    double[] scores = m.oodScores().get(ood);
    if (scores == null) {
      return new Pair(ood, id.length, 0, null, null, "no scores for this OOD set");
    }
    String problem = problem(id, scores);
    if (problem != null) {
      return new Pair(ood, id.length, scores.length, null, null, problem);
    }
    ScoreRanking ranking = ScoreRanking.of(id, scores);
    return new Pair(
        ood, id.length, scores.length, ranking, ranking.metrics(results.convention()), null);
  }

  /** Why the scores cannot be ranked, or null when they can. */
  static String problem(double[] id, double[] ood) {
    List<String> issues = new ArrayList<>();
    if (id.length == 0) {
      issues.add("no ID scores");
    }
    if (ood.length == 0) {
      issues.add("no OOD scores");
    }
    long idNaN = countNaN(id);
    long oodNaN = countNaN(ood);
    if (idNaN > 0) {
      issues.add(idNaN + " NaN ID score" + (idNaN == 1 ? "" : "s"));
    }
    if (oodNaN > 0) {
      issues.add(oodNaN + " NaN OOD score" + (oodNaN == 1 ? "" : "s"));
    }
    return issues.isEmpty() ? null : String.join(", ", issues);
  }

  private static long countNaN(double[] scores) {
    long n = 0;
    for (double s : scores) {
      if (Double.isNaN(s)) {
        n++;
      }
    }
    return n;
  }

  EvaluationResults results() {
    return results;
  }

  List<Row> rows() {
    return rows;
  }

  /** The notes that explain every n/a cell, one per affected pair, as "label vs set: reason". */
  List<String> problems() {
    List<String> notes = new ArrayList<>();
    for (Row row : rows) {
      for (Pair p : row.pairs()) {
        if (!p.available()) {
          notes.add(row.method().label() + " vs " + p.ood() + ": " + p.problem());
        }
      }
    }
    return notes;
  }
}
