package org.mos.evaluator.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The scores one method gave on a run's datasets.
 *
 * @param method the method id ({@code mos}, {@code msp}, ...)
 * @param label the row label in tables and legends (for example {@code MOS} or {@code MSP (flat)})
 * @param bundle the name of the bundle that produced the scores
 * @param idScores the scores of the ID test images, in dataset order
 * @param oodScores per OOD set (in report order) the scores of its images
 * @param seconds the wall time spent producing these scores (a bundle's methods share one forward
 *     pass; see the evaluator's documentation for how the time is split)
 */
public record MethodResult(
    String method,
    String label,
    String bundle,
    double[] idScores,
    Map<String, double[]> oodScores,
    double seconds) {
  public MethodResult {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(idScores, "idScores");
    oodScores = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(oodScores));
  }
}
