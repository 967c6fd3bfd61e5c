package org.mos.evaluator.fit;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.inference.Device;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.score.KlLabelSource;
import org.mos.evaluator.evaluate.OdinOptions;

/**
 * Turns the options of {@link FitCommand} into a {@link FitPlan}: checks them (usage errors name
 * the option and what was expected), applies {@code --paper}, and records every choice with its
 * origin: {@code paper}, the option that set it, or {@code default}. The KNN/ViM options resolve in
 * {@link FeatureSpaceFitOptions}, the shaping ones in {@link ShapingPlan}, Mahalanobis tuning in
 * {@link MahalanobisTuneOptions}.
 */
final class FitOptions {

  private FitOptions() {}

  static FitPlan resolve(FitCommand c) {
    checkTargets(c);
    Map<String, String> choices = new LinkedHashMap<>();
    KlLabelSource klLabels = klLabels(c, choices);
    List<String> layers = null;
    MahalanobisCombiner combiner =
        MahalanobisCombiner.parse(c.combiner == null ? "lr" : c.combiner);
    int count = c.mahalanobisCount == null ? FitPlan.PAPER_COUNT : c.mahalanobisCount;
    FitPlan.TuneSettings tuneSettings = null;
    if (c.mahalanobisFit != null) {
      layers = mahalanobisLayers(c, choices);
      checkPaper(
          c.paper && c.combiner != null && !combiner.isLogisticRegression(),
          "--paper combines the layers by logistic regression; drop --mahalanobis-combiner");
      checkPaper(
          c.paper && c.mahalanobisCount != null && count != FitPlan.PAPER_COUNT,
          "--paper uses " + FitPlan.PAPER_COUNT + " images; drop --mahalanobis-count");
      if (count < 1) {
        throw FitException.usage("--mahalanobis-count is " + count + "; expected 1 or more");
      }
      FitPlan.TuneSettings tune = c.mahalanobisTune ? MahalanobisTuneOptions.resolve(c) : null;
      if (tune == null) {
        MahalanobisTuneOptions.refuseWithoutTune(c);
        checkCombinerSets(c, combiner);
      }
      choices.put("mahalanobis.fit_set", c.mahalanobisFit.toString());
      choices.put(
          "mahalanobis.combiner",
          combiner + origin(c.paper, c.combiner != null, "--mahalanobis-combiner"));
      choices.put("mahalanobis.validation", String.valueOf(c.mahalanobisValidation));
      if (tune != null) {
        MahalanobisTuneOptions.record(c, tune, count, choices);
      } else {
        choices.put(
            "mahalanobis.count",
            count
                + origin(c.paper, c.mahalanobisCount != null, "--mahalanobis-count")
                + ", the first images of each set in reading order");
        recordGivenMagnitude(c, combiner, choices);
      }
      tuneSettings = tune;
    } else if (c.mahalanobisLayers != null
        || c.combiner != null
        || c.mahalanobisValidation != null
        || c.mahalanobisNegatives != null
        || c.mahalanobisCount != null
        || c.mahalanobisMagnitude != null
        || c.mahalanobisTune
        || c.tuneMagnitudes != null
        || c.fgsmClamp != null) {
      throw FitException.usage("the --mahalanobis-* options need --mahalanobis-fit DIR|LIST");
    }
    checkOdin(c, choices);
    FeatureSpaceFit.Settings featureSpace = c.featureSpace.resolve(choices);
    List<String> methods = c.calibrateMethods == null ? List.of() : c.calibrateMethods;
    for (String id : methods) {
      try {
        org.mos.common.score.MethodId.parse(id);
      } catch (IllegalArgumentException e) {
        throw FitException.usage("--calibrate-methods: " + e.getMessage());
      }
    }
    if (c.calibrate != null) {
      choices.put("calibration.set", c.calibrate.toString());
      choices.put(
          "calibration.methods",
          methods.isEmpty()
              ? "all the new bundle supports (default)"
              : methods + " (--calibrate-methods)");
    } else if (c.calibrateMethods != null) {
      throw FitException.usage("--calibrate-methods needs --calibrate DIR|LIST");
    }
    ShapingPlan shaping = ShapingPlan.resolve(c.shaping, choices);
    BadFilePolicy policy = badImages(c.onBadImage);
    choices.put("on_bad_image", policy.name().toLowerCase(Locale.ROOT));
    return new FitPlan(
        c.bundle,
        c.out,
        c.replace,
        c.paper,
        c.dataRoot,
        c.klFit,
        klLabels,
        c.mahalanobisFit,
        layers,
        combiner,
        c.mahalanobisValidation,
        c.mahalanobisNegatives,
        count,
        c.mahalanobisMagnitude == null ? 0 : c.mahalanobisMagnitude,
        tuneSettings,
        c.odinEps,
        c.odinTemperature,
        c.calibrate,
        methods,
        c.batchSize,
        workers(c),
        inference(c),
        policy,
        choices,
        featureSpace,
        shaping);
  }

  private static void checkTargets(FitCommand c) {
    if (c.klFit == null
        && c.featureSpace.knnFit == null
        && c.featureSpace.vimFit == null
        && c.mahalanobisFit == null
        && c.calibrate == null
        && c.odinEps == null
        && c.odinTemperature == null
        && c.shaping.reactFit == null
        && c.shaping.diceFit == null
        && c.shaping.genGamma == null
        && c.shaping.genM == null
        && c.shaping.searchId == null
        && c.shaping.searchOod == null) {
      throw FitException.usage(
          "nothing to fit: give --kl-fit, --mahalanobis-fit, --knn-fit, --vim-fit,"
              + " --odin-eps/--odin-temperature, --react-fit, --dice-fit, --gen-gamma/--gen-m,"
              + " --search-id/--search-ood and/or --calibrate (see --help)");
    }
    if (!Files.exists(c.bundle)) {
      throw FitException.usage("--bundle " + c.bundle + " does not exist");
    }
    if (c.outOverlapsInput()) {
      throw FitException.usage(
          "--out "
              + c.out
              + " is the input bundle (or inside it, or holds it); fit writes a new"
              + " version: choose another folder");
    }
    if (Files.exists(c.out) && !c.replace) {
      throw FitException.usage(c.out + " already exists: choose another --out or add --replace");
    }
    if (Files.exists(c.out) && !Files.isRegularFile(c.out.resolve("manifest.json"))) {
      // --replace swaps out a previous bundle, never an arbitrary folder
      throw FitException.usage(
          "--replace: "
              + c.out
              + " exists but is not a bundle (no manifest.json); not replacing it");
    }
    if (c.batchSize < 1 || c.threads < 0 || c.workers < 0) {
      throw FitException.usage(
          "--batch-size is "
              + c.batchSize
              + ", --threads "
              + c.threads
              + ", --workers "
              + c.workers
              + "; expected a batch of 1 or more and threads >= 0");
    }
  }

  private static KlLabelSource klLabels(FitCommand c, Map<String, String> choices) {
    if (c.klFit == null) {
      if (c.klLabels != null) {
        throw FitException.usage("--kl-labels needs --kl-fit DIR|LIST");
      }
      return KlLabelSource.TRUE_LABELS;
    }
    String text = c.klLabels == null ? "true" : c.klLabels.strip().toLowerCase(Locale.ROOT);
    KlLabelSource source =
        switch (text) {
          case "true" -> KlLabelSource.TRUE_LABELS;
          case "predicted" -> KlLabelSource.PREDICTED_LABELS;
          default ->
              throw FitException.usage(
                  "--kl-labels is '" + c.klLabels + "'; expected true or predicted");
        };
    checkPaper(
        c.paper && source != KlLabelSource.TRUE_LABELS,
        "--paper groups the KL fit set by true labels (the paper's script); drop --kl-labels");
    choices.put("kl.labels", text + origin(c.paper, c.klLabels != null, "--kl-labels"));
    choices.put("kl.fit_set", c.klFit + (c.paper ? " (the paper fits on the ID test set)" : ""));
    return source;
  }

  private static List<String> mahalanobisLayers(FitCommand c, Map<String, String> choices) {
    List<String> layers = c.mahalanobisLayers;
    if (layers != null) {
      layers = layers.stream().map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
      if (layers.isEmpty()) {
        throw FitException.usage("--mahalanobis-layers names no layer");
      }
      checkPaper(
          c.paper && !layers.equals(FitPlan.PAPER_LAYERS),
          "--paper uses the layers " + FitPlan.PAPER_LAYERS + "; drop --mahalanobis-layers");
    }
    choices.put(
        "mahalanobis.layers",
        (layers == null
                ? FitPlan.PAPER_LAYERS
                    + (c.paper ? "" : " that the bundle exports, else [features]")
                : layers)
            + origin(c.paper, c.mahalanobisLayers != null, "--mahalanobis-layers"));
    return layers;
  }

  /** Checks and records the ODIN settings; a missing half keeps the input bundle's value. */
  private static void checkOdin(FitCommand c, Map<String, String> choices) {
    if (c.odinEps == null && c.odinTemperature == null) {
      return;
    }
    try {
      new OdinOptions(c.odinEps, c.odinTemperature);
    } catch (IllegalArgumentException e) {
      throw FitException.usage(e.getMessage());
    }
    choices.put(
        "odin",
        "epsilon "
            + (c.odinEps == null ? "as the input bundle" : c.odinEps + " (--odin-eps)")
            + ", temperature "
            + (c.odinTemperature == null
                ? "as the input bundle"
                : c.odinTemperature + " (--odin-temperature)"));
  }

  /** The negatives and the magnitude of a fit without tuning, recorded as choices. */
  private static void recordGivenMagnitude(
      FitCommand c, MahalanobisCombiner combiner, Map<String, String> choices) {
    if (combiner.isLogisticRegression()) {
      choices.put(
          "mahalanobis.negatives",
          c.mahalanobisNegatives
              + " (--mahalanobis-negatives; the paper uses FGSM-perturbed copies of the"
              + " validation images: --mahalanobis-tune)");
    }
    double m = c.mahalanobisMagnitude == null ? 0 : c.mahalanobisMagnitude;
    if (!(m >= 0) || Double.isInfinite(m)) {
      throw FitException.usage(
          "--mahalanobis-magnitude is " + m + "; expected a finite number of 0 or more");
    }
    choices.put(
        "mahalanobis.input_perturbation",
        m
            + (c.mahalanobisMagnitude == null ? " (default)" : " (--mahalanobis-magnitude)")
            + "; the paper tunes it over {0, 0.01, 0.005, 0.002, 0.0014, 0.001, 0.0005}"
            + " (--mahalanobis-tune)");
  }

  private static void checkCombinerSets(FitCommand c, MahalanobisCombiner combiner) {
    if (combiner.isLogisticRegression()) {
      if (c.mahalanobisValidation == null || c.mahalanobisNegatives == null) {
        throw FitException.usage(
            "the lr combiner (default) is trained on ID validation images vs OOD negatives, and"
                + " input perturbation (FGSM) is not available to make negatives: give"
                + " --mahalanobis-validation DIR|LIST and --mahalanobis-negatives DIR|LIST (e.g."
                + " a held-out OOD validation set), or choose --mahalanobis-combiner sum or"
                + " single:LAYER, which need no negatives");
      }
      return;
    }
    if (c.mahalanobisValidation == null) {
      throw FitException.usage(
          "--mahalanobis-combiner "
              + combiner
              + " standardises the score on"
              + " ID validation images: give --mahalanobis-validation DIR|LIST");
    }
    if (c.mahalanobisNegatives != null) {
      throw FitException.usage(
          "--mahalanobis-negatives is only used by --mahalanobis-combiner"
              + " lr, not "
              + combiner);
    }
  }

  private static BadFilePolicy badImages(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "skip" -> BadFilePolicy.SKIP;
      case "fail" -> BadFilePolicy.FAIL;
      default ->
          throw FitException.usage("--on-bad-image is '" + text + "'; expected skip or fail");
    };
  }

  private static int workers(FitCommand c) {
    return c.workers > 0 ? c.workers : Runtime.getRuntime().availableProcessors();
  }

  private static InferenceOptions inference(FitCommand c) {
    try {
      return new InferenceOptions(Device.parse(c.device), false, c.threads);
    } catch (IllegalArgumentException e) {
      throw FitException.usage("--device: " + e.getMessage());
    }
  }

  private static void checkPaper(boolean conflict, String message) {
    if (conflict) {
      throw FitException.usage(message);
    }
  }

  private static String origin(boolean paper, boolean byOption, String option) {
    return byOption ? " (" + option + ")" : paper ? " (paper)" : " (default)";
  }
}
