package org.mos.trainer.train;

import java.util.Arrays;

/**
 * Where each MOS group's slice of logits starts: group k owns {@code n_k + 1} consecutive logits,
 * position 0 being "others" (DESIGN §3).
 *
 * <p>Local stand-in for {@code org.mos.common.layout.GroupLayout}, which is being written in {@code
 * common} at the same time; the trainer should switch to it once it is merged.
 */
public final class GroupSlices {

  private final int[] sizes;
  private final int[] offsets;
  private final int logitCount;

  private GroupSlices(int[] sizes) {
    this.sizes = sizes.clone();
    this.offsets = new int[sizes.length];
    int offset = 0;
    for (int k = 0; k < sizes.length; k++) {
      offsets[k] = offset;
      offset += sizes[k] + 1;
    }
    this.logitCount = offset;
  }

  /** Slices for groups holding {@code sizes[k]} classes each. */
  public static GroupSlices of(int... sizes) {
    if (sizes.length == 0) {
      throw new IllegalArgumentException("a group layout needs at least one group");
    }
    for (int k = 0; k < sizes.length; k++) {
      if (sizes[k] < 1) {
        throw new IllegalArgumentException(
            "group "
                + k
                + " has "
                + sizes[k]
                + " classes in "
                + Arrays.toString(sizes)
                + ": expected at least 1");
      }
    }
    return new GroupSlices(sizes);
  }

  public int groupCount() {
    return sizes.length;
  }

  /** Classes in group {@code k}, not counting "others". */
  public int size(int k) {
    return sizes[k];
  }

  /** Index of group {@code k}'s "others" logit; its classes follow. */
  public int offset(int k) {
    return offsets[k];
  }

  /** Total logits: classes plus one "others" per group. */
  public int logitCount() {
    return logitCount;
  }

  /** Checks a group label vector: one group has class index + 1, every other group 0. */
  public void checkLabel(int[] label) {
    if (label.length != sizes.length) {
      throw new IllegalArgumentException(
          "group label has " + label.length + " entries, expected " + sizes.length);
    }
    int nonZero = 0;
    for (int k = 0; k < label.length; k++) {
      if (label[k] < 0 || label[k] > sizes[k]) {
        throw new IllegalArgumentException(
            "group label "
                + Arrays.toString(label)
                + ": entry "
                + k
                + " must be in 0.."
                + sizes[k]);
      }
      nonZero += label[k] > 0 ? 1 : 0;
    }
    if (nonZero != 1) {
      throw new IllegalArgumentException(
          "group label "
              + Arrays.toString(label)
              + " must name exactly one group, names "
              + nonZero);
    }
  }
}
