package org.mos.evaluator.fit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.fit.LogisticRegressionCv;
import org.mos.common.fit.MahalanobisAccumulator;
import org.mos.common.inference.MahalanobisMethodScorer;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.MahalanobisLayerStatistics;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisScore;
import org.mos.common.score.MahalanobisStatistics;

/**
 * Fits the Mahalanobis statistics: per-layer class means and tied precision over a labelled fit set
 * (streamed), then the combiner of the per-layer scores. With a magnitude above 0 the combiner's
 * per-layer scores are those of inputs perturbed per layer ({@link MahalanobisMethodScorer}); the
 * class means and precision are always fitted on the images as they are (as the reference's {@code
 * sample_estimator}).
 */
final class MahalanobisFit {

  /**
   * The fitted statistics and what the manifest records about them.
   *
   * @param statistics layers and combiner
   * @param parameters the manifest parameters (layers, data, combiner, choices)
   */
  record Result(MahalanobisStatistics statistics, Map<String, Object> parameters) {}

  private final OutputCollector collector;

  MahalanobisFit(OutputCollector collector) {
    this.collector = collector;
  }

  /**
   * Fits everything.
   *
   * @param validation ID validation images (already cut to the count), or null
   * @param negatives OOD negatives for {@code lr} (already cut to the count), or null
   * @param perturbation the input perturbation of the combiner's scores
   */
  Result fit(
      ImageSet fitSet,
      List<String> layers,
      MahalanobisCombiner combiner,
      ImageSet validation,
      ImageSet negatives,
      MahalanobisMagnitude perturbation) {
    if (perturbation.perturbs() && !collector.model().supportsInputPerturbation()) {
      throw FitException.usage(
          "--mahalanobis-magnitude "
              + perturbation.magnitude()
              + " perturbs the input, but the bundle has no gradient graphs (export it without"
              + " --no-gradient-graphs; mos import --onnx writes none yet), or use magnitude 0");
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("layers", List.copyOf(layers));
    List<MahalanobisLayerStatistics> fitted = fitLayers(fitSet, layers, params);
    params.put(MahalanobisMagnitude.MANIFEST_PARAMETER, perturbation.magnitude());
    MahalanobisScore perLayer =
        new MahalanobisScore(new MahalanobisStatistics(fitted, new double[layers.size()], 0));
    double[][] id = scores(perLayer, layers, validation, "mahalanobis ID validation", perturbation);
    Map<String, Object> comb = new LinkedHashMap<>();
    comb.put("kind", combiner.toString());
    comb.put("id_validation", described(validation, id.length));
    double[] weights;
    double bias;
    if (combiner.isLogisticRegression()) {
      double[][] ood = scores(perLayer, layers, negatives, "mahalanobis negatives", perturbation);
      comb.put("negatives", described(negatives, ood.length));
      LogisticRegressionCv.Result lr = logisticRegression(id, ood);
      weights = lr.model().weights();
      bias = lr.model().intercept();
      comb.put(
          "fitter",
          "exact L2 logistic regression with sklearn LogisticRegressionCV defaults: C from"
              + " logspace(-4, 4, 10), 5 stratified folds, accuracy, refit on all data; ID = 0,"
              + " negatives = 1; per-layer scores rounded to float32 as the reference");
      comb.put("c", lr.bestC());
      comb.put("cv_accuracy", lr.meanAccuracy()[indexOf(lr.cs(), lr.bestC())]);
    } else {
      double[] standard = standardise(id, layers, combiner);
      weights = new double[layers.size()];
      for (int l = 0; l < layers.size(); l++) {
        boolean used = combiner.layer() == null || combiner.layer().equals(layers.get(l));
        weights[l] = used ? -1 / standard[1] : 0;
      }
      bias = standard[0] / standard[1];
      comb.put("standardised_on_id_validation", Map.of("mean", standard[0], "sd", standard[1]));
    }
    comb.put("weights", toList(weights));
    comb.put("bias", bias);
    params.put("combiner", comb);
    return new Result(new MahalanobisStatistics(fitted, weights, bias), params);
  }

  /** Class means and tied precision per layer, streamed over the fit set. */
  List<MahalanobisLayerStatistics> fitLayers(
      ImageSet fitSet, List<String> layers, Map<String, Object> params) {
    MahalanobisAccumulator[] acc = new MahalanobisAccumulator[layers.size()];
    int[] labels = fitSet.labels();
    OutputCollector.Report read =
        collector.collect(
            "mahalanobis fit set",
            fitSet,
            layers,
            (outputs, rows) -> {
              int[] y = new int[rows.length];
              for (int i = 0; i < rows.length; i++) {
                y[i] = labels[rows[i]];
              }
              for (int l = 0; l < acc.length; l++) {
                FloatMatrix f = outputs.get(layers.get(l));
                if (acc[l] == null) {
                  acc[l] = new MahalanobisAccumulator(f.cols());
                }
                acc[l].add(f, y);
              }
            });
    if (read.images() == 0) {
      throw FitException.failed("mahalanobis: no readable image in " + fitSet.source(), null);
    }
    List<MahalanobisLayerStatistics> fitted = new ArrayList<>();
    for (MahalanobisAccumulator a : acc) {
      fitted.add(a.result());
    }
    Map<String, Object> data = fitSet.describe();
    data.put("images", read.images());
    data.put("unreadable_skipped", read.unreadable().size());
    data.put("classes", fitted.get(0).classes().length);
    params.put("fit_set", data);
    return fitted;
  }

  static Map<String, Object> described(ImageSet set, int images) {
    Map<String, Object> d = set.describe();
    d.put("images", images);
    return d;
  }

  /** Per-layer scores of every readable image of {@code set}, [image][layer]. */
  private double[][] scores(
      MahalanobisScore perLayer,
      List<String> layers,
      ImageSet set,
      String what,
      MahalanobisMagnitude perturbation) {
    List<double[]> rows = new ArrayList<>();
    try {
      collectScores(perLayer, layers, set, what, perturbation, rows);
    } catch (IllegalArgumentException e) {
      if (!perturbation.perturbs()) {
        throw e;
      }
      // e.g. a layer the bundle's VJP graph takes no cotangent for
      throw FitException.usage(
          "--mahalanobis-magnitude " + perturbation.magnitude() + ": " + e.getMessage());
    }
    if (rows.isEmpty()) {
      throw FitException.failed(what + ": no readable image in " + set.source(), null);
    }
    return rows.toArray(double[][]::new);
  }

  private void collectScores(
      MahalanobisScore perLayer,
      List<String> layers,
      ImageSet set,
      String what,
      MahalanobisMagnitude perturbation,
      List<double[]> rows) {
    if (collector.chunked() && !perturbation.perturbs()) {
      // the plain layer outputs suffice: over a remote transport, or from the cache
      collector.collect(
          what,
          set,
          layers,
          (outputs, indices) -> {
            List<FloatMatrix> features = new ArrayList<>();
            layers.forEach(l -> features.add(outputs.get(l)));
            double[][] s = perLayer.perLayerScores(features);
            for (int r = 0; r < indices.length; r++) {
              double[] row = new double[layers.size()];
              for (int l = 0; l < row.length; l++) {
                row[l] = s[l][r];
              }
              rows.add(row);
            }
          });
      return;
    }
    collector.collectInputs(
        what,
        set,
        (input, count, indices) -> {
          double[][] s =
              MahalanobisMethodScorer.layerScores(
                  collector.model(), input, count, perLayer, layers, perturbation);
          for (int r = 0; r < indices.length; r++) {
            double[] row = new double[layers.size()];
            for (int l = 0; l < row.length; l++) {
              row[l] = s[l][r];
            }
            rows.add(row);
          }
        });
  }

  /** ID rows first (label 0), then negatives (label 1), in float32 as the reference feeds them. */
  static LogisticRegressionCv.Result logisticRegression(double[][] id, double[][] ood) {
    int n = id.length + ood.length;
    double[][] x = new double[n][];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      double[] src = i < id.length ? id[i] : ood[i - id.length];
      x[i] = new double[src.length];
      for (int l = 0; l < src.length; l++) {
        x[i][l] = (float) src[l];
      }
      y[i] = i < id.length ? 0 : 1;
    }
    LogisticRegressionCv cv = LogisticRegressionCv.sklearnDefaults();
    if (id.length < cv.folds() || ood.length < cv.folds()) {
      throw FitException.usage(
          "the Mahalanobis combiner needs at least "
              + cv.folds()
              + " readable images on each side for its "
              + cv.folds()
              + "-fold cross-validation, got "
              + id.length
              + " ID validation images and "
              + ood.length
              + " negatives");
    }
    return cv.fit(x, y);
  }

  /** Mean and standard deviation (population; 1 when 0) of the combined ID score. */
  private static double[] standardise(
      double[][] id, List<String> layers, MahalanobisCombiner combiner) {
    double[] s = new double[id.length];
    int only = combiner.layer() == null ? -1 : layers.indexOf(combiner.layer());
    for (int i = 0; i < id.length; i++) {
      for (int l = 0; l < id[i].length; l++) {
        s[i] += only < 0 || only == l ? id[i][l] : 0;
      }
    }
    double mean = 0;
    for (double v : s) {
      mean += v / s.length;
    }
    double var = 0;
    for (double v : s) {
      var += (v - mean) * (v - mean) / s.length;
    }
    return new double[] {mean, var > 0 ? Math.sqrt(var) : 1};
  }

  private static int indexOf(double[] values, double v) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == v) {
        return i;
      }
    }
    return -1;
  }

  static List<Double> toList(double[] v) {
    List<Double> out = new ArrayList<>();
    for (double x : v) {
      out.add(x);
    }
    return out;
  }
}
