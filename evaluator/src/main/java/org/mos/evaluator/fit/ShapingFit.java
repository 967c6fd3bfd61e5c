package org.mos.evaluator.fit;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.fit.ActivationLog;
import org.mos.common.fit.FitProvenance;
import org.mos.common.fit.MeanFeatureAccumulator;
import org.mos.common.inference.BundleModel;
import org.mos.common.score.MethodId;

/**
 * Fits the state of the activation-shaping methods and stores GEN's parameters: ReAct's clip value
 * (a percentile of every activation of an ID set), DICE's mean feature, GEN's gamma and M, and runs
 * OpenOOD's parameter search ({@link ShapingSearch}). Each with its provenance ({@link
 * FitProvenance}).
 */
final class ShapingFit {

  static final String DICE_MEAN = "dice_mean.npy";

  private final OutputCollector collector;
  private final ShapingPlan plan;
  private final PrintWriter out;
  private final ImageSet react;
  private final ImageSet dice;
  private final ImageSet searchId;
  private final ImageSet searchOod;

  /** Reads the plan's sets (failing before any image is decoded). */
  ShapingFit(
      OutputCollector collector,
      ShapingPlan plan,
      BundleManifest manifest,
      Path root,
      PrintWriter out) {
    this.collector = collector;
    this.plan = plan;
    this.out = out;
    boolean needsFeatures =
        plan.reactFit() != null || plan.diceFit() != null || plan.searchId() != null;
    if (needsFeatures
        && (manifest.outputs() == null || !manifest.outputs().contains(BundleModel.FEATURES))) {
      throw FitException.usage(
          "--react-fit, --dice-fit and --search-id read the penultimate features, but the bundle"
              + " has no '"
              + BundleModel.FEATURES
              + "' output (export or import it with one)");
    }
    react =
        plan.reactFit() == null
            ? null
            : ImageSet.unlabelled("--react-fit", plan.reactFit(), root).first(plan.reactCount());
    dice = plan.diceFit() == null ? null : ImageSet.unlabelled("--dice-fit", plan.diceFit(), root);
    searchId =
        plan.searchId() == null ? null : ImageSet.unlabelled("--search-id", plan.searchId(), root);
    searchOod =
        plan.searchOod() == null
            ? null
            : ImageSet.unlabelled("--search-ood", plan.searchOod(), root);
  }

  /** Fits and puts the statistics into {@code next}. */
  void fit(BundleManifest manifest, Path model, NewBundle next) {
    if (react != null) {
      fitReact(manifest, next);
    }
    if (dice != null) {
      fitDice(manifest, next);
    }
    if (plan.genGamma() != null || plan.genM() != null) {
      Map<String, Object> params = new LinkedHashMap<>();
      if (plan.genGamma() != null) {
        params.put("gamma", plan.genGamma());
      }
      if (plan.genM() != null) {
        params.put("m", plan.genM());
      }
      params.put("source", "mos fit --gen-gamma/--gen-m");
      next.put("gen", new BundleManifest.Statistics(Map.of(), params), Map.of());
      out.println("mos fit: gen: " + params);
    }
    if (searchId != null) {
      new ShapingSearch(collector, out).search(manifest, model, searchId, searchOod, plan, next);
    }
  }

  private void fitReact(BundleManifest manifest, NewBundle next) {
    ActivationLog log = new ActivationLog(plan.reactCount());
    OutputCollector.Report read =
        collector.collect(
            "react fit set",
            react,
            List.of(BundleModel.FEATURES),
            (outputs, rows) -> log.add(outputs.get(BundleModel.FEATURES)));
    if (read.images() == 0) {
      throw FitException.failed("react: no readable image in " + react.source(), null);
    }
    double c = log.percentile(plan.reactPercentile());
    Map<String, Object> choices = new LinkedHashMap<>();
    choices.put("percentile", plan.reactPercentile());
    choices.put("interpolation", "linear (numpy percentile over all N x D activations)");
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("clip", c);
    params.putAll(
        FitProvenance.of(
            react.describe(), read.images(), read.unreadable().size(), manifest, choices));
    next.put("react", new BundleManifest.Statistics(Map.of(), params), Map.of());
    out.println(
        "mos fit: react: clip "
            + MethodId.number(c)
            + " = percentile "
            + MethodId.number(plan.reactPercentile())
            + " of "
            + read.images()
            + " images' activations");
  }

  private void fitDice(BundleManifest manifest, NewBundle next) {
    MeanFeatureAccumulator acc = new MeanFeatureAccumulator();
    OutputCollector.Report read =
        collector.collect(
            "dice fit set",
            dice,
            List.of(BundleModel.FEATURES),
            (outputs, rows) -> acc.add(outputs.get(BundleModel.FEATURES)));
    if (read.images() == 0) {
      throw FitException.failed("dice: no readable image in " + dice.source(), null);
    }
    double[] mean = acc.mean();
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("p", plan.dicePercentile());
    params.putAll(
        FitProvenance.of(
            dice.describe(),
            read.images(),
            read.unreadable().size(),
            manifest,
            Map.of("statistic", "mean penultimate feature (float64)")));
    next.put(
        "dice",
        new BundleManifest.Statistics(Map.of("mean", DICE_MEAN), params),
        Map.of(DICE_MEAN, o -> NpyBytes.float64(o, mean)));
    out.println(
        "mos fit: dice: mean feature of "
            + read.images()
            + " images, sparsity percentile "
            + MethodId.number(plan.dicePercentile()));
  }
}
