package org.mos.common.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One image of a dataset, in the order its reader produced it.
 *
 * <p>A sample from an ImageFolder tree or a flat list file has a {@link #label() flat label}; one
 * from a group list file has a {@link #group() group} and an {@link #indexInGroup() index within
 * that group} (the paper's group-softmax label); one from a plain folder of OOD images has neither.
 * Missing values are {@link #NONE} (-1).
 *
 * @param path the image file (resolved against the dataset root)
 * @param label the flat class label, or -1
 * @param group the group of a group list line, or -1
 * @param indexInGroup the index of the class within its group, or -1
 */
public record Sample(Path path, int label, int group, int indexInGroup) {

  /** The value of a label, group or index that the source does not give. */
  public static final int NONE = -1;

  public Sample {
    Objects.requireNonNull(path, "path");
    if (label < NONE || group < NONE || indexInGroup < NONE) {
      throw new IllegalArgumentException(
          "labels must be >= 0 (or -1 for none), got label "
              + label
              + ", group "
              + group
              + ", index in group "
              + indexInGroup
              + " for "
              + path);
    }
    if ((group == NONE) != (indexInGroup == NONE)) {
      throw new IllegalArgumentException(
          "group and index in group must be given together, got group "
              + group
              + " and index "
              + indexInGroup
              + " for "
              + path);
    }
  }

  /** A sample with a flat label. */
  public static Sample labelled(Path path, int label) {
    if (label < 0) {
      throw new IllegalArgumentException("flat label must be >= 0, got " + label + " for " + path);
    }
    return new Sample(path, label, NONE, NONE);
  }

  /** A sample without any label (an OOD image). */
  public static Sample unlabelled(Path path) {
    return new Sample(path, NONE, NONE, NONE);
  }

  /** A sample with a group-softmax label: the group and the index of the class within it. */
  public static Sample grouped(Path path, int group, int indexInGroup) {
    if (group < 0 || indexInGroup < 0) {
      throw new IllegalArgumentException(
          "group and index in group must be >= 0, got "
              + group
              + " and "
              + indexInGroup
              + " for "
              + path);
    }
    return new Sample(path, NONE, group, indexInGroup);
  }

  /** Whether the sample has a flat label. */
  public boolean hasLabel() {
    return label != NONE;
  }

  /** Whether the sample has a group label. */
  public boolean hasGroup() {
    return group != NONE;
  }
}
