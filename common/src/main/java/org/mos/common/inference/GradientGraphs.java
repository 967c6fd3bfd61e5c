package org.mos.common.inference;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.score.OdinSettings;

/**
 * The vector-Jacobian graphs a bundle may carry for input perturbation, and the ODIN settings it
 * may declare. Bundle format: the statistics entry {@value #STATISTICS_KEY} of {@code
 * manifest.json}, with file roles
 *
 * <ul>
 *   <li>{@value #LOGITS} ({@code vjp_logits.onnx}): inputs {@code input} and {@value #COTANGENT}
 *       (N, logits), outputs every output of {@code model.onnx} plus {@value #INPUT_GRADIENT} (N,
 *       3, H, W), the gradient of sum(cotangent * logits) with respect to the input; optional
 *       inputs {@code cotangent_stem}, {@code cotangent_block1} .. (see {@link #layerCotangent})
 *       add cotangents of the spatially averaged layer outputs, and {@code cotangent_features} that
 *       of the features output (imported classifiers' graphs, built by the trainer's {@code
 *       export.autodiff});
 *   <li>{@value #ODIN} ({@code odin_gradient.onnx}): inputs {@code input} and {@value #TEMPERATURE}
 *       (N, 1), the same outputs, {@value #INPUT_GRADIENT} being the gradient of the cross-entropy
 *       of logits / T against the predicted class (ODIN's, see {@link OdinSettings}).
 * </ul>
 *
 * <p>Optional statistics entry {@value #ODIN_SETTINGS_KEY} with parameters {@code epsilon} and
 * {@code temperature}: the ODIN settings a request gets when it names none (otherwise epsilon 0, T
 * 1000, the MOS paper's).
 */
public final class GradientGraphs {

  /** The statistics entry naming the gradient graphs. */
  public static final String STATISTICS_KEY = "input_gradients";

  /** File role of the VJP graph of the logits. */
  public static final String LOGITS = "logits";

  /** File role of the ODIN gradient graph. */
  public static final String ODIN = "odin";

  /** The VJP graph's cotangent input. */
  public static final String COTANGENT = "cotangent";

  /** The ODIN gradient graph's temperature input, one per image. */
  public static final String TEMPERATURE = "temperature";

  /** The gradient output of both graphs. */
  public static final String INPUT_GRADIENT = "input_gradient";

  /**
   * The VJP graph's optional cotangent input for a spatial-mean output ({@code stem}, {@code
   * block1} .. {@code block4}) or for {@code features}: zero unless fed.
   */
  public static String layerCotangent(String output) {
    return COTANGENT + "_" + output;
  }

  /** The statistics entry with the bundle's default ODIN settings. */
  public static final String ODIN_SETTINGS_KEY = "odin";

  private GradientGraphs() {}

  /** The path of the graph of {@code role}, if the bundle lists one. */
  static Optional<Path> graph(ModelBundle bundle, String role) throws BundleException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get(STATISTICS_KEY);
    if (s == null || !s.files().containsKey(role)) {
      return Optional.empty();
    }
    return Optional.of(bundle.file(s.files().get(role)));
  }

  /** Whether the manifest lists any gradient graph. */
  public static boolean present(BundleManifest manifest) {
    BundleManifest.Statistics s = manifest.statistics().get(STATISTICS_KEY);
    return s != null && (s.files().containsKey(LOGITS) || s.files().containsKey(ODIN));
  }

  /**
   * The ODIN settings the manifest declares, or the paper's (epsilon 0, T 1000).
   *
   * @throws IllegalArgumentException naming a parameter that is not a valid number
   */
  public static OdinSettings odinDefaults(BundleManifest manifest) {
    BundleManifest.Statistics s = manifest.statistics().get(ODIN_SETTINGS_KEY);
    Map<String, Object> p = s == null ? Map.of() : s.parameters();
    double eps = number(p, "epsilon", OdinSettings.PAPER_DEFAULT.epsilon());
    double t = number(p, "temperature", OdinSettings.PAPER_DEFAULT.temperature());
    return new OdinSettings(eps, t);
  }

  private static double number(Map<String, Object> parameters, String name, double fallback) {
    Object v = parameters.get(name);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    try {
      return Double.parseDouble(v.toString());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "the manifest's odin parameter '" + name + "' is '" + v + "', expected a number");
    }
  }
}
