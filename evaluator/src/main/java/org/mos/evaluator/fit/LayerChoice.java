package org.mos.evaluator.fit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Which graph outputs the Mahalanobis layers are, checked against the bundle's outputs. */
final class LayerChoice {

  private LayerChoice() {}

  /** The penultimate features, the one layer every imported bundle exports. */
  static final String FEATURES = "features";

  /**
   * The layers of the plan: as given, or (no {@code --mahalanobis-layers}) the paper's stem and
   * blocks 1-4 that the bundle exports, else its penultimate {@code features} (a bundle of {@code
   * mos import --onnx} has no BiT block outputs). With {@code --paper} all five must be there.
   *
   * @throws FitException (usage) naming the missing layer and the outputs the bundle has
   */
  static List<String> resolve(FitPlan plan, Set<String> outputs) {
    List<String> wanted = plan.mahalanobisLayers();
    if (wanted == null) {
      List<String> present = new ArrayList<>();
      for (String layer : FitPlan.PAPER_LAYERS) {
        if (outputs.contains(layer)) {
          present.add(layer);
        } else if (plan.paper()) {
          throw FitException.usage(
              "--paper fits Mahalanobis on the outputs "
                  + FitPlan.PAPER_LAYERS
                  + " but the bundle has no output '"
                  + layer
                  + "' (it has "
                  + outputs
                  + "); export the bundle with its block outputs, or drop --paper and choose"
                  + " --mahalanobis-layers (an imported ONNX classifier exports only "
                  + FEATURES
                  + ")");
        }
      }
      if (present.isEmpty() && outputs.contains(FEATURES)) {
        return List.of(FEATURES);
      }
      if (present.isEmpty()) {
        throw FitException.usage(
            "the bundle exports none of the layers "
                + FitPlan.PAPER_LAYERS
                + " (it has "
                + outputs
                + "); choose --mahalanobis-layers from its outputs");
      }
      return present;
    }
    for (String layer : wanted) {
      if (!outputs.contains(layer)) {
        throw FitException.usage(
            "--mahalanobis-layers names '"
                + layer
                + "' but the bundle has no such output; it has "
                + outputs);
      }
    }
    return wanted;
  }
}
