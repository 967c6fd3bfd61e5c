package org.mos.evaluator.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.metrics.Convention;

/**
 * Everything a report shows about one evaluation run. Metrics are computed from the raw scores by
 * the report writer, so the numbers, pictures and tables all come from the same scores.
 *
 * @param idName the ID test set's name (shown in headers)
 * @param oodSets the OOD set names, in table order
 * @param methods one entry per (method, bundle), in table order
 * @param idAccuracy top-1 accuracy on the ID test set per bundle name (group rule for group
 *     bundles)
 * @param convention the metric convention of the tables
 * @param settings the choices the run used (transport, bundles and their checksums, fitting choices
 *     such as KL label source, paper mode), printed in the report as given
 * @param skipped the images that could not be scored
 * @param seconds the run's total wall time
 */
public record EvaluationResults(
    String idName,
    List<String> oodSets,
    List<MethodResult> methods,
    Map<String, Double> idAccuracy,
    Convention convention,
    Map<String, Object> settings,
    List<SkippedImage> skipped,
    double seconds) {
  public EvaluationResults {
    oodSets = List.copyOf(oodSets);
    methods = List.copyOf(methods);
    idAccuracy = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(idAccuracy));
    settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    skipped = List.copyOf(skipped);
  }
}
