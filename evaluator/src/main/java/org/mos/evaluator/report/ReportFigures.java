package org.mos.evaluator.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.metrics.RocCurve;

/** Draws a run's pictures: a ROC chart per OOD set and a score histogram per method. */
final class ReportFigures {

  private ReportFigures() {}

  static List<Figure> draw(RunMetrics run) {
    EvaluationResults r = run.results();
    List<Figure> figures = new ArrayList<>();
    List<String> setSlugs = ReportWriter.uniqueSlugs(r.oodSets(), "ood");
    for (int s = 0; s < r.oodSets().size(); s++) {
      figures.add(roc(run, s, ReportWriter.FIGURES + "/roc-" + setSlugs.get(s) + ".png"));
    }
    List<String> labels = run.rows().stream().map(row -> row.method().label()).toList();
    List<String> methodSlugs = ReportWriter.uniqueSlugs(labels, "method");
    for (int m = 0; m < run.rows().size(); m++) {
      String path = ReportWriter.FIGURES + "/histogram-" + methodSlugs.get(m) + ".png";
      figures.add(histogram(r, run.rows().get(m).method(), path));
    }
    return figures;
  }

  private static Figure roc(RunMetrics run, int set, String path) {
    EvaluationResults r = run.results();
    String ood = r.oodSets().get(set);
    List<ReportCharts.Curve> curves = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (int m = 0; m < run.rows().size(); m++) {
      RunMetrics.Row row = run.rows().get(m);
      RunMetrics.Pair p = row.pairs().get(set);
      if (p.available()) {
        RocCurve roc = p.ranking().rocCurve();
        curves.add(
            new ReportCharts.Curve(
                row.method().label(), m, roc.fpr(), roc.tpr(), p.metrics().auroc()));
      } else {
        notes.add(row.method().label() + " (" + p.problem() + ")");
      }
    }
    String title = "ROC curves, " + r.idName() + " vs " + ood;
    byte[] png = ReportCharts.png(ReportCharts.roc(r.idName(), ood, r.convention(), curves, notes));
    return new Figure("roc", ood, title, path, png);
  }

  private static Figure histogram(EvaluationResults r, MethodResult m, String path) {
    Map<String, double[]> sets = new LinkedHashMap<>();
    sets.put(r.idName(), m.idScores());
    for (String ood : r.oodSets()) {
      double[] scores = m.oodScores().get(ood);
      if (scores != null && !ood.equals(r.idName())) {
        sets.put(ood, scores);
      }
    }
    ScoreHistogram h = ScoreHistogram.of(sets);
    String title = "Score histogram, " + m.label();
    byte[] png = ReportCharts.png(ReportCharts.histogram(m.label(), h));
    return new Figure("histogram", m.label(), title, path, png);
  }
}
