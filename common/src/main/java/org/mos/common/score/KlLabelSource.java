package org.mos.common.score;

/** Which labels group the fit set when fitting the class-mean softmax vectors of KL matching. */
public enum KlLabelSource {
  /** The true labels of the fit set (what the MOS paper's script does, on the ID test set). */
  TRUE_LABELS,
  /** The classifier's own predictions (the original method, on a held-out ID set). */
  PREDICTED_LABELS
}
