package org.mos.evaluator.fit;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.fit.FgsmAttack;
import org.mos.common.fit.LogisticModel;
import org.mos.common.fit.MahalanobisGridScores;
import org.mos.common.fit.MahalanobisTuning;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.score.MahalanobisLayerStatistics;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisScore;
import org.mos.common.score.MahalanobisStatistics;

/**
 * {@code --mahalanobis-tune}: the paper's tuning of the input-perturbation magnitude and the
 * logistic-regression combiner ({@link MahalanobisTuning}) over labelled ID validation images and
 * their FGSM copies, streamed: every batch of validation images is read once, its FGSM copies are
 * made, and the per-layer scores of both at every magnitude are kept; then one regression per
 * magnitude is trained and the magnitude with the lowest held-out FPR95 is stored with its
 * regression.
 */
final class MahalanobisTune {

  private final MahalanobisFit fit;
  private final OutputCollector collector;
  private final FitPlan.TuneSettings settings;
  private final PrintWriter out;

  MahalanobisTune(
      MahalanobisFit fit,
      OutputCollector collector,
      FitPlan.TuneSettings settings,
      PrintWriter out) {
    this.fit = fit;
    this.collector = collector;
    this.settings = settings;
    this.out = out;
  }

  /**
   * Fits the layers on {@code fitSet}, then tunes on {@code validation} (labelled, cut to 2N).
   *
   * @param count N: the first N readable validation images train, the next N choose
   */
  MahalanobisFit.Result tune(ImageSet fitSet, List<String> layers, ImageSet validation, int count) {
    BundleModel model = collector.model();
    if (!model.supportsInputPerturbation()
        || !model.manifest().statistics().containsKey(GradientGraphs.STATISTICS_KEY)
        || !model
            .manifest()
            .statistics()
            .get(GradientGraphs.STATISTICS_KEY)
            .files()
            .containsKey(GradientGraphs.LOGITS)) {
      throw FitException.usage(
          "--mahalanobis-tune makes FGSM copies and perturbs inputs, which needs the bundle's"
              + " gradient graph "
              + GradientGraphs.LOGITS
              + " (vjp_logits.onnx), but the bundle has none: export it without"
              + " --no-gradient-graphs");
    }
    if (validation.size() <= count) {
      throw FitException.usage(
          "--mahalanobis-tune needs more than --mahalanobis-count = "
              + count
              + " validation images (the first "
              + count
              + " train the regression, the next up to "
              + count
              + " choose the magnitude) but "
              + validation.source()
              + " has "
              + validation.size());
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("layers", List.copyOf(layers));
    List<MahalanobisLayerStatistics> fitted = fit.fitLayers(fitSet, layers, params);
    MahalanobisScore perLayer =
        new MahalanobisScore(new MahalanobisStatistics(fitted, new double[layers.size()], 0));
    List<MahalanobisMagnitude> grid =
        settings.grid().stream().map(MahalanobisMagnitude::new).toList();
    MahalanobisTuning tuning = new MahalanobisTuning(grid, layers.size());
    FgsmAttack fgsm = attack(model);
    OutputCollector.Report read = run(validation, count, layers, perLayer, grid, fgsm, tuning);
    MahalanobisTuning.Result result;
    try {
      result = tuning.result();
    } catch (IllegalArgumentException e) {
      throw FitException.usage(
          "--mahalanobis-tune on " + validation.source() + ": " + e.getMessage());
    }
    printTable(result);
    MahalanobisTuning.Trial best = result.best();
    LogisticModel lr = best.fit().model();
    params.put(MahalanobisMagnitude.MANIFEST_PARAMETER, best.magnitude().magnitude());
    params.put("combiner", combiner(validation, read, result, fgsm));
    return new MahalanobisFit.Result(
        new MahalanobisStatistics(fitted, lr.weights(), lr.intercept()), params);
  }

  private FgsmAttack attack(BundleModel model) {
    if (settings.clamp().equals(FitPlan.TuneSettings.REFERENCE)) {
      return FgsmAttack.reference();
    }
    float[] mean = new float[3];
    float[] std = new float[3];
    for (int c = 0; c < 3; c++) {
      mean[c] = model.manifest().mean().get(c).floatValue();
      std[c] = model.manifest().std().get(c).floatValue();
    }
    return FgsmAttack.imageRange(mean, std);
  }

  /** One pass over the validation images: FGSM copies and grid scores of every batch. */
  private OutputCollector.Report run(
      ImageSet validation,
      int count,
      List<String> layers,
      MahalanobisScore perLayer,
      List<MahalanobisMagnitude> grid,
      FgsmAttack fgsm,
      MahalanobisTuning tuning) {
    BundleModel model = collector.model();
    int[] labels = validation.labels();
    int[] seen = {0};
    long start = System.nanoTime();
    long[] lastPrint = {start};
    int total = validation.size();
    try {
      return collector.collectArrays(
          "mahalanobis tuning (FGSM copies, " + grid.size() + " magnitudes)",
          validation,
          (x, n, indices) -> {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
              y[i] = labels[indices[i]];
            }
            float[] adversarial = fgsm.attack(model, x, n, y);
            double[][][] id =
                MahalanobisGridScores.layerScores(model, x, n, perLayer, layers, grid);
            double[][][] adv =
                MahalanobisGridScores.layerScores(model, adversarial, n, perLayer, layers, grid);
            // the first N readable images train, the rest hold out (a batch may straddle them)
            int train = Math.max(0, Math.min(n, count - seen[0]));
            add(tuning, id, adv, 0, train, MahalanobisTuning.Part.TRAIN);
            add(tuning, id, adv, train, n, MahalanobisTuning.Part.HELD_OUT);
            seen[0] += n;
            long now = System.nanoTime();
            if (now - lastPrint[0] >= 2_000_000_000L || seen[0] == total) {
              lastPrint[0] = now;
              progress(seen[0], total, (now - start) / 1e9);
            }
          });
    } catch (IllegalArgumentException | IllegalStateException e) {
      // e.g. a layer the bundle's VJP graph takes no cotangent for
      throw FitException.usage("--mahalanobis-tune: " + e.getMessage());
    }
  }

  private void progress(int done, int total, double seconds) {
    double rate = done / Math.max(seconds, 1e-9);
    collector
        .err()
        .printf(
            "mos fit: mahalanobis tuning: %d/%d validation images (FGSM copy + every magnitude)"
                + " in %.0f s, %.2f images/s, ETA %.0f s%n",
            done, total, seconds, rate, (total - done) / rate);
    collector.err().flush();
  }

  private static void add(
      MahalanobisTuning tuning,
      double[][][] id,
      double[][][] adv,
      int from,
      int to,
      MahalanobisTuning.Part part) {
    if (to > from) {
      tuning.add(part, false, slice(id, from, to));
      tuning.add(part, true, slice(adv, from, to));
    }
  }

  private static double[][][] slice(double[][][] s, int from, int to) {
    double[][][] out = new double[s.length][][];
    for (int k = 0; k < s.length; k++) {
      out[k] = new double[s[k].length][];
      for (int l = 0; l < s[k].length; l++) {
        out[k][l] = Arrays.copyOfRange(s[k][l], from, to);
      }
    }
    return out;
  }

  private void printTable(MahalanobisTuning.Result result) {
    out.println("mos fit: mahalanobis tuning (held-out ID vs FGSM copies):");
    for (int k = 0; k < result.trials().size(); k++) {
      MahalanobisTuning.Trial t = result.trials().get(k);
      out.printf(
          "  magnitude %-7s FPR95 %6.2f%%  AUROC %6.2f%%  C %.4g%s%n",
          java.math.BigDecimal.valueOf(t.magnitude().magnitude()).toPlainString(),
          100 * t.heldOut().fpr95(),
          100 * t.heldOut().auroc(),
          t.fit().bestC(),
          k == result.chosen() ? "  <- chosen" : "");
    }
    out.flush();
  }

  private Map<String, Object> combiner(
      ImageSet validation,
      OutputCollector.Report read,
      MahalanobisTuning.Result result,
      FgsmAttack fgsm) {
    int[] counts = result.counts();
    MahalanobisTuning.Trial best = result.best();
    Map<String, Object> comb = new LinkedHashMap<>();
    comb.put("kind", MahalanobisCombiner.LR);
    Map<String, Object> data = MahalanobisFit.described(validation, read.images());
    data.put("unreadable_skipped", read.unreadable().size());
    data.put("train_images", counts[0]);
    data.put("held_out_images", counts[2]);
    comb.put("id_validation", data);
    comb.put(
        "negatives",
        Map.of(
            "kind",
            "fgsm",
            "step",
            Double.parseDouble(Float.toString(fgsm.step())),
            "labels",
            "true",
            "clamp",
            Map.of(
                "mode",
                settings.clamp(),
                "lower",
                floats(fgsm.lower()),
                "upper",
                floats(fgsm.upper()))));
    comb.put(
        "fitter",
        "exact L2 logistic regression with sklearn LogisticRegressionCV defaults: C from"
            + " logspace(-4, 4, 10), 5 stratified folds, accuracy, refit on all data; ID = 0,"
            + " FGSM copies = 1; per-layer scores rounded to float32 as the reference");
    comb.put("c", best.fit().bestC());
    comb.put(
        "cv_accuracy", best.fit().meanAccuracy()[indexOf(best.fit().cs(), best.fit().bestC())]);
    comb.put("weights", MahalanobisFit.toList(best.fit().model().weights()));
    comb.put("bias", best.fit().model().intercept());
    comb.put("tuning", tuning(result));
    return comb;
  }

  private static Map<String, Object> tuning(MahalanobisTuning.Result result) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put(
        "criterion",
        "lowest FPR at 95% TPR (paper convention, ID positive) of -P(OOD) on the held-out"
            + " validation images vs their FGSM copies; the first magnitude in grid order on ties");
    t.put("chosen_magnitude", result.best().magnitude().magnitude());
    List<Object> trials = new ArrayList<>();
    for (MahalanobisTuning.Trial trial : result.trials()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("magnitude", trial.magnitude().magnitude());
      row.put("fpr95", trial.heldOut().fpr95());
      row.put("auroc", trial.heldOut().auroc());
      row.put("c", trial.fit().bestC());
      row.put("weights", MahalanobisFit.toList(trial.fit().model().weights()));
      row.put("bias", trial.fit().model().intercept());
      trials.add(row);
    }
    t.put("trials", trials);
    return t;
  }

  private static List<Double> floats(float[] v) {
    List<Double> out = new ArrayList<>();
    for (float f : v) {
      out.add(Double.parseDouble(Float.toString(f))); // 0.05f is stored as 0.05
    }
    return out;
  }

  private static int indexOf(double[] values, double v) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == v) {
        return i;
      }
    }
    return -1;
  }
}
