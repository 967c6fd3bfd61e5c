package org.mos.evaluator.fit;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.mos.common.score.DiceShaping;
import org.mos.common.score.GenScore;
import org.mos.common.score.ReactShaping;

/**
 * What {@code mos fit} does for the activation-shaping methods and GEN, resolved from {@link
 * ShapingFitOptions}.
 *
 * @param reactFit ReAct's fit set, or null
 * @param reactPercentile the percentile of its activations that becomes c
 * @param reactCount images taken from the start of the set
 * @param diceFit DICE's fit set, or null
 * @param dicePercentile DICE's sparsity percentile
 * @param genGamma GEN's gamma to store, or null
 * @param genM GEN's M to store, or null
 * @param searchId the search's ID validation set, or null for no search
 * @param searchOod the search's OOD validation set, or null
 * @param searchMethods the methods searched
 */
record ShapingPlan(
    Path reactFit,
    double reactPercentile,
    int reactCount,
    Path diceFit,
    double dicePercentile,
    Double genGamma,
    Integer genM,
    Path searchId,
    Path searchOod,
    List<String> searchMethods) {

  /** The methods searched by default (OpenOOD's searched postprocessors among ours). */
  static final List<String> SEARCHABLE =
      List.of("react", "ash-p", "ash-b", "ash-s", "scale", "gen");

  ShapingPlan {
    searchMethods = List.copyOf(searchMethods);
  }

  /** Whether there is anything to do. */
  boolean any() {
    return reactFit != null
        || diceFit != null
        || genGamma != null
        || genM != null
        || searchId != null;
  }

  /** Checks the options and records the choices. */
  static ShapingPlan resolve(ShapingFitOptions o, Map<String, String> choices) {
    if (o.reactFit == null && (o.reactPercentile != null || o.reactCount != null)) {
      throw FitException.usage("--react-percentile and --react-count need --react-fit DIR|LIST");
    }
    if (o.diceFit == null && o.dicePercentile != null) {
      throw FitException.usage("--dice-percentile needs --dice-fit DIR|LIST");
    }
    if ((o.searchId == null) != (o.searchOod == null)) {
      throw FitException.usage("give both --search-id DIR|LIST and --search-ood DIR|LIST");
    }
    if (o.searchId == null && o.searchMethods != null) {
      throw FitException.usage("--search-methods needs --search-id and --search-ood");
    }
    List<String> searched = o.searchMethods == null ? SEARCHABLE : o.searchMethods;
    for (String m : searched) {
      if (!SEARCHABLE.contains(m)) {
        throw FitException.usage(
            "--search-methods names '" + m + "'; the searchable methods are " + SEARCHABLE);
      }
    }
    if (o.searchId != null && searched.contains("react") && o.reactFit != null) {
      throw FitException.usage(
          "the search fits ReAct's c on --search-id as OpenOOD does; drop --react-fit or leave"
              + " react out of --search-methods");
    }
    if (o.searchId != null && searched.contains("gen") && (o.genGamma != null || o.genM != null)) {
      throw FitException.usage(
          "the search chooses GEN's gamma and M; drop --gen-gamma/--gen-m or leave gen out of"
              + " --search-methods");
    }
    double reactP = o.reactPercentile == null ? ReactShaping.DEFAULT_PERCENTILE : o.reactPercentile;
    double diceP = o.dicePercentile == null ? DiceShaping.DEFAULT_PERCENTILE : o.dicePercentile;
    checkPercentile("--react-percentile", reactP);
    checkPercentile("--dice-percentile", diceP);
    if (o.reactCount != null && o.reactCount < 1) {
      throw FitException.usage("--react-count is " + o.reactCount + "; expected 1 or more");
    }
    try {
      if (o.genGamma != null || o.genM != null) {
        new GenScore(
            o.genGamma == null ? GenScore.DEFAULT_GAMMA : o.genGamma,
            o.genM == null ? GenScore.DEFAULT_M : o.genM);
      }
    } catch (IllegalArgumentException e) {
      throw FitException.usage("--gen-gamma/--gen-m: " + e.getMessage());
    }
    if (o.reactFit != null) {
      choices.put("react.fit_set", o.reactFit.toString());
      choices.put(
          "react.percentile",
          num(reactP) + origin(o.reactPercentile != null, "--react-percentile"));
    }
    if (o.diceFit != null) {
      choices.put("dice.fit_set", o.diceFit.toString());
      choices.put(
          "dice.percentile", num(diceP) + origin(o.dicePercentile != null, "--dice-percentile"));
    }
    if (o.searchId != null) {
      choices.put("search.id", o.searchId.toString());
      choices.put("search.ood", o.searchOod.toString());
      choices.put("search.methods", searched + origin(o.searchMethods != null, "--search-methods"));
    }
    return new ShapingPlan(
        o.reactFit,
        reactP,
        o.reactCount == null ? Integer.MAX_VALUE : o.reactCount,
        o.diceFit,
        diceP,
        o.genGamma,
        o.genM,
        o.searchId,
        o.searchOod,
        o.searchId == null ? List.of() : searched);
  }

  private static void checkPercentile(String option, double p) {
    if (!(p >= 0 && p <= 100)) {
      throw FitException.usage(option + " is " + p + "; expected a percentile in [0, 100]");
    }
  }

  private static String origin(boolean byOption, String option) {
    return byOption ? " (" + option + ")" : " (default)";
  }

  private static String num(double v) {
    return org.mos.common.score.MethodId.number(v);
  }
}
