package org.mos.common.fit;

import java.util.ArrayList;
import java.util.List;

/**
 * The test folds of scikit-learn's {@code StratifiedKFold(n_splits, shuffle=False)} (version 1.2),
 * reproduced exactly so that a cross-validated fit here sees the same splits as the reference.
 *
 * <p>Classes are numbered by order of first appearance. The number of samples of each class in each
 * test fold comes from dealing the labels, sorted by that number, round-robin over the folds; the
 * members of each class then go to the folds in blocks, in data order (fold 0 takes the first
 * members of the class, fold 1 the next ones, ...).
 */
public final class StratifiedFolds {

  private StratifiedFolds() {}

  /**
   * The test fold (0..folds-1) of every sample.
   *
   * @param labels class labels (any integers)
   * @throws IllegalArgumentException when a class has fewer members than {@code folds} (where
   *     scikit-learn only warns, a fold without one of two classes makes an accuracy meaningless)
   */
  public static int[] testFolds(int[] labels, int folds) {
    if (folds < 2) {
      throw new IllegalArgumentException("need at least 2 folds, got " + folds);
    }
    List<Integer> seen = new ArrayList<>();
    int[] encoded = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      int k = seen.indexOf(labels[i]);
      if (k < 0) {
        k = seen.size();
        seen.add(labels[i]);
      }
      encoded[i] = k;
    }
    int classes = seen.size();
    int[] counts = new int[classes];
    for (int e : encoded) {
      counts[e]++;
    }
    for (int k = 0; k < classes; k++) {
      if (counts[k] < folds) {
        throw new IllegalArgumentException(
            "class "
                + seen.get(k)
                + " has "
                + counts[k]
                + " samples, fewer than the "
                + folds
                + " folds of the cross-validation");
      }
    }
    // allocation[f][k]: positions p = f, f + folds, ... of the sorted labels that hold class k
    int[][] allocation = new int[folds][classes];
    int start = 0;
    for (int k = 0; k < classes; k++) {
      for (int p = start; p < start + counts[k]; p++) {
        allocation[p % folds][k]++;
      }
      start += counts[k];
    }
    int[] out = new int[labels.length];
    int[] fold = new int[classes];
    int[] usedInFold = new int[classes];
    for (int i = 0; i < labels.length; i++) {
      int k = encoded[i];
      while (usedInFold[k] == allocation[fold[k]][k]) {
        fold[k]++;
        usedInFold[k] = 0;
      }
      out[i] = fold[k];
      usedInFold[k]++;
    }
    return out;
  }
}
