package org.mos.evaluator.fit;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MethodId;
import org.mos.common.score.ScoreMethod;
import org.mos.evaluator.transport.ScoringTransport;

/**
 * Refuses, before any image is read, the fits a remote transport cannot feed: a scorer returns
 * scores, logits and features, so a fit needing another graph output (Mahalanobis on BiT's stem and
 * blocks) or input perturbation (the bundle's gradient graphs: Mahalanobis' magnitude and its
 * tuning, calibration scores of ODIN with epsilon above 0) needs {@code --transport in-process}.
 * Each message names the fit, what it needs and the options that resolve it.
 */
final class RemoteFitCheck {

  private RemoteFitCheck() {}

  /**
   * @param layers the Mahalanobis layers the plan fits (empty when it fits none)
   * @param manifest the input bundle's manifest (its ODIN settings and Mahalanobis statistics)
   * @param transport the transport's name ({@code grpc}, {@code kafka}, {@code messaging})
   * @throws FitException (usage) naming the first fit the transport cannot feed
   */
  static void refuseWhatNeedsTheModel(
      FitPlan plan, List<String> layers, BundleManifest manifest, String transport) {
    String scorerGives = new TreeSet<>(ScoringTransport.INCLUDABLE).toString();
    if (plan.mahalanobisFit() != null) {
      List<String> missing = new ArrayList<>(layers);
      missing.removeAll(ScoringTransport.INCLUDABLE);
      if (!missing.isEmpty()) {
        throw FitException.usage(
            "the mahalanobis fit on layers "
                + layers
                + " needs the graph outputs "
                + missing
                + ", which the "
                + transport
                + " transport cannot return (a scorer returns scores and "
                + scorerGives
                + "): give --transport in-process, or --mahalanobis-layers features");
      }
      if (plan.mahalanobisTune() != null) {
        throw perturbation("--mahalanobis-tune (FGSM copies and perturbed inputs)", transport);
      }
      if (plan.mahalanobisMagnitude() > 0) {
        throw perturbation(
            "the mahalanobis fit with --mahalanobis-magnitude " + plan.mahalanobisMagnitude(),
            transport);
      }
    }
    if (plan.calibrate() == null) {
      return;
    }
    List<String> methods = plan.calibrateMethods();
    double eps = odinEpsilon(plan, manifest);
    if (eps > 0 && calibrates(methods, ScoreMethod.ODIN)) {
      throw FitException.usage(
          "calibrating odin with epsilon "
              + eps
              + " needs its perturbed inputs (the bundle's gradient graphs), which the "
              + transport
              + " transport cannot return: give --transport in-process, --odin-eps 0, or"
              + " --calibrate-methods without odin");
    }
    if (calibrates(methods, ScoreMethod.MAHALANOBIS)) {
      BundleManifest.Statistics old = manifest.statistics().get("mahalanobis");
      double magnitude = plan.mahalanobisMagnitude();
      List<String> oldLayers = List.of();
      if (plan.mahalanobisFit() == null && old != null) {
        if (old.parameters().get(MahalanobisMagnitude.MANIFEST_PARAMETER) instanceof Number n) {
          magnitude = n.doubleValue();
        }
        if (old.parameters().get("layers") instanceof List<?> l) {
          oldLayers = l.stream().map(String::valueOf).toList();
        }
      }
      List<String> missing = new ArrayList<>(oldLayers);
      missing.removeAll(ScoringTransport.INCLUDABLE);
      if (!missing.isEmpty()) {
        throw FitException.usage(
            "calibrating mahalanobis on layers "
                + oldLayers
                + " needs the graph outputs "
                + missing
                + ", which the "
                + transport
                + " transport cannot return (a scorer returns scores and "
                + scorerGives
                + "): give --transport in-process, or --calibrate-methods without mahalanobis");
      }
      if (magnitude > 0) {
        throw FitException.usage(
            "calibrating mahalanobis fitted with input perturbation magnitude "
                + magnitude
                + " needs perturbed inputs (the bundle's gradient graphs), which the "
                + transport
                + " transport cannot return: give --transport in-process, or --calibrate-methods"
                + " without mahalanobis");
      }
    }
  }

  private static FitException perturbation(String what, String transport) {
    return FitException.usage(
        what
            + " needs perturbed inputs (the bundle's gradient graphs run on this machine), which"
            + " the "
            + transport
            + " transport cannot return: give --transport in-process");
  }

  /** ODIN's epsilon the new bundle will serve: the plan's, else the input bundle's. */
  private static double odinEpsilon(FitPlan plan, BundleManifest manifest) {
    if (plan.odinEpsilon() != null) {
      return plan.odinEpsilon();
    }
    try {
      return GradientGraphs.odinDefaults(manifest).epsilon();
    } catch (IllegalArgumentException e) {
      return 0; // putOdin names the broken settings
    }
  }

  /** Whether calibrating {@code methods} (empty: every supported one) scores with {@code m}. */
  private static boolean calibrates(List<String> methods, ScoreMethod m) {
    if (methods.isEmpty()) {
      return true;
    }
    for (String id : methods) {
      try {
        MethodId parsed = MethodId.parse(id);
        if (parsed.score() == m || parsed.shaping() == m) {
          return true;
        }
      } catch (IllegalArgumentException e) {
        // CalibrationFit names the unknown method
      }
    }
    return false;
  }
}
