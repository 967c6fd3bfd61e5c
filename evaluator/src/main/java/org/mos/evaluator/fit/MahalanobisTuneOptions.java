package org.mos.evaluator.fit;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mos.common.score.MahalanobisMagnitude;

/** Checks and records the options of {@code --mahalanobis-tune} (see {@link FitOptions}). */
final class MahalanobisTuneOptions {

  private MahalanobisTuneOptions() {}

  /** The tuning settings of {@code --mahalanobis-tune}, checked against the other options. */
  static FitPlan.TuneSettings resolve(FitCommand c) {
    if (c.combiner != null && !MahalanobisCombiner.parse(c.combiner).isLogisticRegression()) {
      throw FitException.usage(
          "--mahalanobis-tune trains the lr combiner at every magnitude; drop"
              + " --mahalanobis-combiner "
              + c.combiner);
    }
    if (c.mahalanobisNegatives != null) {
      throw FitException.usage(
          "--mahalanobis-tune makes its negatives as FGSM copies of the validation images;"
              + " drop --mahalanobis-negatives");
    }
    if (c.mahalanobisMagnitude != null) {
      throw FitException.usage(
          "--mahalanobis-tune chooses the magnitude; drop --mahalanobis-magnitude (the"
              + " magnitudes tried are set by --mahalanobis-tune-magnitudes)");
    }
    if (c.mahalanobisValidation == null) {
      throw FitException.usage(
          "--mahalanobis-tune needs --mahalanobis-validation DIR|LIST: labelled ID validation"
              + " images (the FGSM copies need their true classes); the first N (--mahalanobis-count,"
              + " default 500) train the regression, the next N choose the magnitude");
    }
    if (c.paper && c.tuneMagnitudes != null && !c.tuneMagnitudes.equals(paperGrid())) {
      throw FitException.usage(
          "--paper tunes over " + paperGrid() + "; drop --mahalanobis-tune-magnitudes");
    }
    List<Double> grid = c.tuneMagnitudes == null ? paperGrid() : c.tuneMagnitudes;
    if (grid.isEmpty()) {
      throw FitException.usage("--mahalanobis-tune-magnitudes names no magnitude");
    }
    for (Double m : grid) {
      if (m == null || !(m >= 0) || m.isInfinite()) {
        throw FitException.usage(
            "--mahalanobis-tune-magnitudes has " + m + "; expected finite numbers of 0 or more");
      }
    }
    if (new HashSet<>(grid).size() != grid.size()) {
      throw FitException.usage(
          "--mahalanobis-tune-magnitudes " + grid + " repeats a magnitude; name each once");
    }
    String clamp =
        c.fgsmClamp == null
            ? FitPlan.TuneSettings.REFERENCE
            : c.fgsmClamp.strip().toLowerCase(Locale.ROOT);
    if (!clamp.equals(FitPlan.TuneSettings.REFERENCE)
        && !clamp.equals(FitPlan.TuneSettings.IMAGE)) {
      throw FitException.usage(
          "--mahalanobis-fgsm-clamp is '" + c.fgsmClamp + "'; expected reference or image");
    }
    checkPaper(
        c.paper && clamp.equals(FitPlan.TuneSettings.IMAGE),
        "--paper clamps the FGSM copies as the reference does; drop --mahalanobis-fgsm-clamp");
    return new FitPlan.TuneSettings(grid, clamp);
  }

  /** Refuses the tuning's own options without {@code --mahalanobis-tune}. */
  static void refuseWithoutTune(FitCommand c) {
    if (c.tuneMagnitudes != null || c.fgsmClamp != null) {
      throw FitException.usage(
          "--mahalanobis-tune-magnitudes and --mahalanobis-fgsm-clamp need --mahalanobis-tune");
    }
  }

  /** Records the tuning's choices. */
  static void record(
      FitCommand c, FitPlan.TuneSettings tune, int count, Map<String, String> choices) {
    choices.put(
        "mahalanobis.count",
        count
            + origin(c.paper, c.mahalanobisCount != null, "--mahalanobis-count")
            + ": the first "
            + count
            + " validation images (and their FGSM copies) train the regression, the next "
            + count
            + " (and theirs) choose the magnitude");
    choices.put(
        "mahalanobis.negatives",
        "FGSM copies of the validation images: step 0.05 on the normalised input along the sign of"
            + " the gradient of the cross-entropy against the true label (paper), clamped "
            + (tune.clamp().equals(FitPlan.TuneSettings.REFERENCE)
                ? "to [0, 1] as the reference"
                : "to the normalised range of [0, 1] pixels")
            + origin(c.paper, c.fgsmClamp != null, "--mahalanobis-fgsm-clamp"));
    choices.put(
        "mahalanobis.input_perturbation",
        "tuned over "
            + tune.grid()
            + origin(c.paper, c.tuneMagnitudes != null, "--mahalanobis-tune-magnitudes")
            + " by the lowest FPR95 of the held-out images vs their FGSM copies (paper), the"
            + " first in grid order on ties");
  }

  /** The paper's grid, in the reference's order. */
  static List<Double> paperGrid() {
    return List.copyOf(MahalanobisMagnitude.PAPER_MAGNITUDES);
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
