package org.mos.evaluator.evaluate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.score.OdinSettings;
import org.mos.evaluator.transport.ScoringTransport;

/**
 * One model of an evaluation run as the evaluator sees it: a name, the transport that scores with
 * it, and what the evaluator needs to know about it to label the ID set and to report.
 *
 * @param name the bundle's name in tables and results ({@code NAME=} of {@code --bundle}, else the
 *     folder name)
 * @param source where it came from (bundle path, scorer URL, ...), for the report
 * @param transport scores images with this model
 * @param classNames the model's class names in flat-label order (ID ImageFolder trees are checked
 *     against them)
 * @param groupSizes the group sizes of a group-softmax model (maps group list labels to flat
 *     labels), or null for a flat one
 * @param details what the report should say about the model (architecture, device, fitted
 *     statistics' parameters, provenance)
 * @param odin ODIN's epsilon and temperature for this model: the bundle's own settings as opened,
 *     the run's once {@link #withOdin} applied the options
 * @param odinDeclared whether the bundle declares ODIN settings ({@code statistics.odin})
 * @param inputGradients whether the bundle carries gradient graphs (ODIN with epsilon above 0 needs
 *     them)
 */
public record ScoringModel(
    String name,
    String source,
    ScoringTransport transport,
    List<String> classNames,
    List<Integer> groupSizes,
    Map<String, Object> details,
    OdinSettings odin,
    boolean odinDeclared,
    boolean inputGradients) {

  public ScoringModel {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(odin, "odin");
    classNames = List.copyOf(classNames);
    groupSizes = groupSizes == null ? null : List.copyOf(groupSizes);
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  /** The model opened from a bundle with this manifest: its ODIN settings and gradient graphs. */
  static ScoringModel of(
      String name,
      String source,
      ScoringTransport transport,
      BundleManifest manifest,
      Map<String, Object> details) {
    return new ScoringModel(
        name,
        source,
        transport,
        manifest.classNames(),
        manifest.groupSizes(),
        details,
        GradientGraphs.odinDefaults(manifest),
        manifest.statistics().containsKey(GradientGraphs.ODIN_SETTINGS_KEY),
        GradientGraphs.present(manifest));
  }

  /** This model with other ODIN settings. */
  public ScoringModel withOdin(OdinSettings settings) {
    return new ScoringModel(
        name,
        source,
        transport,
        classNames,
        groupSizes,
        details,
        settings,
        odinDeclared,
        inputGradients);
  }

  /** Whether the model has a group-softmax head. */
  public boolean grouped() {
    return groupSizes != null;
  }
}
