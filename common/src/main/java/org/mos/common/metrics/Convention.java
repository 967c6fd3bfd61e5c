package org.mos.common.metrics;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which reference implementation's definitions the metrics follow. Both rank the same way (higher
 * score = more in-distribution); they differ in which class is positive, in how AUPR is integrated
 * and in how the 95% operating point is chosen.
 */
public enum Convention {

  /**
   * The MOS paper's numbers: {@code get_measures} of the MOS repository (from Hendrycks' outlier
   * exposure code). ID is the positive class. AUROC as scikit-learn's {@code roc_auc_score};
   * AUPR-In and AUPR-Out as {@code average_precision_score} (step-wise), with ID positive and the
   * score as is, resp. OOD positive and the score negated; FPR95 = the share of OOD samples
   * accepted at the distinct threshold whose ID recall is closest to 0.95.
   */
  PAPER("paper"),

  /**
   * OpenOOD v1.5's {@code compute_all_metrics}: OOD is the positive class and the score is negated.
   * AUROC is the trapezoidal area under {@code roc_curve}; AUPR-In and AUPR-Out are trapezoidal
   * areas under {@code precision_recall_curve}; FPR95 = the share of ID samples flagged as OOD at
   * the first ROC point (of {@code roc_curve} with its default {@code drop_intermediate}) that
   * detects at least 95% of the OOD samples.
   */
  OPENOOD("openood");

  private final String id;

  Convention(String id) {
    this.id = id;
  }

  /**
   * The convention's id as used on the command line and in reports: {@code paper} or {@code
   * openood}.
   */
  public String id() {
    return id;
  }

  /**
   * The convention with the given id.
   *
   * @throws IllegalArgumentException naming the id and the valid ids when none matches
   */
  public static Convention fromId(String id) {
    for (Convention c : values()) {
      if (c.id.equals(id)) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "unknown metrics convention '"
            + id
            + "': expected one of "
            + Arrays.stream(values()).map(Convention::id).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return id;
  }
}
