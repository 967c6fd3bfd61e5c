package org.mos.evaluator.evaluate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 */
public record ScoringModel(
    String name,
    String source,
    ScoringTransport transport,
    List<String> classNames,
    List<Integer> groupSizes,
    Map<String, Object> details) {

  public ScoringModel {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(transport, "transport");
    classNames = List.copyOf(classNames);
    groupSizes = groupSizes == null ? null : List.copyOf(groupSizes);
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  /** Whether the model has a group-softmax head. */
  public boolean grouped() {
    return groupSizes != null;
  }
}
