package org.mos.common.layout;

/**
 * Group-softmax predictions for a batch: per row the predicted group, the index of the class in
 * that group, the flat class and its probability within its group's slice. Immutable.
 */
public final class GroupPredictions {

  private final int[] group;
  private final int[] indexInGroup;
  private final int[] flatClass;
  private final double[] probability;

  GroupPredictions(int[] group, int[] indexInGroup, int[] flatClass, double[] probability) {
    this.group = group;
    this.indexInGroup = indexInGroup;
    this.flatClass = flatClass;
    this.probability = probability;
  }

  /** Number of rows. */
  public int size() {
    return group.length;
  }

  /** Predicted group of a row (0 for a flat layout). */
  public int group(int row) {
    return group[row];
  }

  /** Index in its group of a row's predicted class. */
  public int indexInGroup(int row) {
    return indexInGroup[row];
  }

  /** Flat index of a row's predicted class. */
  public int flatClass(int row) {
    return flatClass[row];
  }

  /** Probability of a row's predicted class within its group's softmax. */
  public double probability(int row) {
    return probability[row];
  }

  /** A copy of all predicted flat classes, in row order. */
  public int[] flatClasses() {
    return flatClass.clone();
  }

  /** A copy of all predicted groups, in row order. */
  public int[] groups() {
    return group.clone();
  }

  /** A copy of all probabilities, in row order. */
  public double[] probabilities() {
    return probability.clone();
  }
}
