package org.mos.common.fit;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;

/**
 * The provenance a fitted statistic records in its manifest {@code parameters}: which set it was
 * fitted on, how many images were read (and skipped as unreadable), the preprocessing that made the
 * inputs, and the choices of the fit (a percentile, a grid). One helper so that every fitted
 * statistic records the same fields under the same names ({@code fit_set}, {@code images}, {@code
 * unreadable_skipped}, {@code preprocessing}, then the choices).
 */
public final class FitProvenance {

  private FitProvenance() {}

  /**
   * The provenance entries.
   *
   * @param fitSet a description of the fit set (its path, how many images it lists)
   * @param images images read
   * @param unreadable images skipped as unreadable
   * @param manifest the bundle whose preprocessing made the inputs
   * @param choices the fit's own choices (e.g. {@code percentile: 90}), in order
   */
  public static Map<String, Object> of(
      Map<String, Object> fitSet,
      int images,
      int unreadable,
      BundleManifest manifest,
      Map<String, Object> choices) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("fit_set", new LinkedHashMap<>(fitSet));
    out.put("images", images);
    out.put("unreadable_skipped", unreadable);
    out.put("preprocessing", preprocessing(manifest));
    out.putAll(choices);
    return out;
  }

  /** The bundle's test preprocessing as recorded: input size, normalisation, resize and crop. */
  public static Map<String, Object> preprocessing(BundleManifest manifest) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("input_size", manifest.inputSize());
    p.put("mean", manifest.mean());
    p.put("std", manifest.std());
    BundleManifest.Preprocessing pre = manifest.preprocessing();
    if (pre == null) {
      p.put("resize", "square to input_size");
    } else {
      if (pre.resizeShorterSide() != null) {
        p.put("resize_shorter_side", pre.resizeShorterSide());
      }
      p.put("interpolation", pre.filter().name().toLowerCase(java.util.Locale.ROOT));
    }
    return p;
  }
}
