package org.mos.evaluator.evaluate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mos.common.metrics.Convention;
import org.mos.evaluator.report.EvaluationResults;
import org.mos.evaluator.report.MethodResult;
import org.mos.evaluator.report.SkippedImage;
import org.mos.evaluator.store.StoredScore;

/**
 * Turns the stored scores of every model into the report's {@link EvaluationResults}: per row the
 * ID scores and each OOD set's scores in dataset order (images that could not be scored left out),
 * the top-1 accuracy of each model on the ID set, and the skipped images.
 *
 * <p>A row's test time is the sum over the run's images of the time the model's methods share
 * (decoding, preprocessing, forward pass) plus that method's own scoring time, as recorded when
 * each image was scored (in this run or, for stored scores, in an earlier one).
 */
final class ResultsBuilder {

  private ResultsBuilder() {}

  static EvaluationResults build(
      List<Dataset> datasets,
      List<MethodSelection.Row> rows,
      Map<ScoringModel, Evaluation.ModelScores> scores,
      Convention convention,
      Map<String, Object> settings,
      double seconds) {
    Dataset id = datasets.get(0);
    List<Dataset> oods = datasets.subList(1, datasets.size());
    List<MethodResult> methods = new ArrayList<>();
    for (MethodSelection.Row row : rows) {
      Evaluation.ModelScores ms = scores.get(row.model());
      Map<String, double[]> ood = new LinkedHashMap<>();
      for (int d = 1; d < datasets.size(); d++) {
        ood.put(datasets.get(d).name(), values(ms.byDataset().get(d), row.method()));
      }
      methods.add(
          new MethodResult(
              row.method(),
              row.label(),
              row.model().name(),
              values(ms.byDataset().get(0), row.method()),
              ood,
              testSeconds(ms, row.method())));
    }
    Map<String, Double> accuracy = new LinkedHashMap<>();
    Set<String> seen = new LinkedHashSet<>();
    List<SkippedImage> skipped = new ArrayList<>();
    for (Evaluation.ModelScores ms : scores.values()) {
      double top1 = accuracy(ms);
      if (!Double.isNaN(top1)) {
        accuracy.put(ms.model().name(), top1); // NaN when no ID image could be scored
      }
      for (int d = 0; d < datasets.size(); d++) {
        Dataset set = datasets.get(d);
        StoredScore[] row = ms.byDataset().get(d);
        for (int i = 0; i < row.length; i++) {
          if (row[i].failed()) {
            String imageId = set.imageId(set.samples().get(i));
            if (seen.add(set.name() + "\0" + imageId)) {
              skipped.add(new SkippedImage(set.name(), imageId, row[i].error()));
            }
          }
        }
      }
    }
    return new EvaluationResults(
        id.name(),
        oods.stream().map(Dataset::name).toList(),
        methods,
        accuracy,
        convention,
        settings,
        skipped,
        seconds);
  }

  private static double[] values(StoredScore[] images, String method) {
    double[] out = new double[images.length];
    int n = 0;
    for (StoredScore s : images) {
      if (!s.failed()) {
        out[n++] = s.scores().get(method);
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** Top-1 accuracy over the ID images that could be scored (the group rule for group heads). */
  static double accuracy(Evaluation.ModelScores ms) {
    StoredScore[] id = ms.byDataset().get(0);
    int hits = 0;
    int scored = 0;
    for (int i = 0; i < id.length; i++) {
      if (!id[i].failed()) {
        scored++;
        hits += id[i].predictedClass() == ms.idLabels()[i] ? 1 : 0;
      }
    }
    return scored == 0 ? Double.NaN : (double) hits / scored;
  }

  private static double testSeconds(Evaluation.ModelScores ms, String method) {
    double total = 0;
    for (StoredScore[] set : ms.byDataset()) {
      for (StoredScore s : set) {
        total += s.sharedSeconds() + s.methodSeconds().getOrDefault(method, 0.0);
      }
    }
    return total;
  }
}
