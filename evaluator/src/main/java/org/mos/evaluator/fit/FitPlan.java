package org.mos.evaluator.fit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.score.KlLabelSource;

/**
 * What {@code mos fit} will do, with every choice resolved (from {@code --paper}, an option, or a
 * default) and recorded with where it came from.
 *
 * @param bundle the input bundle (read only)
 * @param out the new bundle's folder
 * @param replace whether an existing {@code out} may be replaced
 * @param paper whether {@code --paper} set the choices
 * @param dataRoot the root of relative paths in list files, or null for each list's folder
 * @param klFit the KL fit set, or null
 * @param klLabels which labels group the KL fit set
 * @param mahalanobisFit the Mahalanobis fit set (labelled), or null
 * @param mahalanobisLayers the graph outputs to fit, or null for the bundle's stem/block1-4
 * @param combiner how per-layer scores are combined
 * @param mahalanobisValidation ID validation images for the combiner, or null
 * @param mahalanobisNegatives OOD negatives for the {@code lr} combiner, or null
 * @param mahalanobisCount images taken from the start of the validation and negative sets
 * @param mahalanobisMagnitude Mahalanobis' input perturbation magnitude (0 = none)
 * @param mahalanobisTune the tuning of the magnitude and combiner on FGSM negatives, or null
 * @param odinEpsilon ODIN's epsilon to store in the new bundle, or null to keep the input's
 * @param odinTemperature ODIN's temperature to store in the new bundle, or null to keep the input's
 * @param calibrate the ID calibration set, or null
 * @param calibrateMethods methods to calibrate, or empty for all the new bundle supports
 * @param batchSize images per model run
 * @param workers decoding threads
 * @param inference device and ONNX Runtime threads
 * @param badImages what to do with an unreadable image
 * @param choices each recorded choice: name -> value and origin
 * @param featureSpace the KNN and ViM fits ({@link FeatureSpaceFit.Settings#NONE} for none)
 * @param shaping the fits of the activation-shaping methods and GEN, and the parameter search
 */
record FitPlan(
    Path bundle,
    Path out,
    boolean replace,
    boolean paper,
    Path dataRoot,
    Path klFit,
    KlLabelSource klLabels,
    Path mahalanobisFit,
    List<String> mahalanobisLayers,
    MahalanobisCombiner combiner,
    Path mahalanobisValidation,
    Path mahalanobisNegatives,
    int mahalanobisCount,
    double mahalanobisMagnitude,
    TuneSettings mahalanobisTune,
    Double odinEpsilon,
    Double odinTemperature,
    Path calibrate,
    List<String> calibrateMethods,
    int batchSize,
    int workers,
    InferenceOptions inference,
    BadFilePolicy badImages,
    Map<String, String> choices,
    FeatureSpaceFit.Settings featureSpace,
    ShapingPlan shaping) {

  /** The stem and blocks 1-4, the paper's Mahalanobis layers (BiT bundles export them). */
  static final List<String> PAPER_LAYERS = List.of("stem", "block1", "block2", "block3", "block4");

  /** The paper's number of ID validation images (and negatives) for the combiner. */
  static final int PAPER_COUNT = 500;

  /**
   * How {@code --mahalanobis-tune} tunes the magnitude and the combiner.
   *
   * @param grid the magnitudes tried, in order (the first wins ties)
   * @param clamp {@code reference} (FGSM copies clamped to [0, 1] as the reference) or {@code
   *     image} (to the normalised range of [0, 1] pixels)
   */
  record TuneSettings(List<Double> grid, String clamp) {
    static final String REFERENCE = "reference";
    static final String IMAGE = "image";

    TuneSettings {
      grid = List.copyOf(grid);
    }
  }

  /** Whether the new bundle gets ODIN settings. */
  boolean setsOdin() {
    return odinEpsilon != null || odinTemperature != null;
  }

  FitPlan {
    choices = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(choices));
    calibrateMethods = List.copyOf(calibrateMethods);
    mahalanobisLayers = mahalanobisLayers == null ? null : List.copyOf(mahalanobisLayers);
  }
}
