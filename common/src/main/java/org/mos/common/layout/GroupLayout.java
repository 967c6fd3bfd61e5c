package org.mos.common.layout;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the classes of a classifier are laid out over its logits: the group softmax of the MOS paper
 * (Huang &amp; Li, CVPR 2021) or a plain flat softmax.
 *
 * <p>In a <b>group layout</b> the C classes are split into K groups, group k holding n_k classes.
 * The logit vector has C + K entries laid out group by group: group k owns the contiguous slice of
 * n_k + 1 logits starting at {@link #sliceStart(int)}, and position 0 of every slice is the extra
 * "others" class. Class i of group k (0-based) is logit {@code sliceStart(k) + 1 + i}.
 *
 * <p>A <b>flat layout</b> ({@link #flat(int)}) has C logits, one per class and no "others"; it
 * behaves as a single group 0 without an "others" slot, so predictions work the same way.
 *
 * <p>Every class has a flat index 0..C-1 and a place (group, index in group). By default flat
 * indices follow group order (group 0's classes first); a class table (the paper's released lists)
 * may map them differently. Instances are immutable.
 */
@JsonPropertyOrder({"flat", "groupSizes", "classNames", "groupOfClass", "indexInGroupOfClass"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class GroupLayout {

  private final boolean flat;
  private final int[] sizes;
  private final int[] sliceStart;

  /** Offset of each group's first class in the place order (prefix sums of the sizes). */
  private final int[] classOffset;

  private final int[] groupOfClass;
  private final int[] indexOfClass;

  /** Flat class at place classOffset[g] + i. */
  private final int[] classAtPlace;

  private final List<String> classNames;
  private final boolean identityMapping;

  private GroupLayout(
      boolean flat, int[] sizes, int[] groupOfClass, int[] indexOfClass, List<String> names) {
    this.flat = flat;
    this.sizes = sizes;
    int k = sizes.length;
    this.sliceStart = new int[k];
    this.classOffset = new int[k];
    int logit = 0;
    int place = 0;
    for (int g = 0; g < k; g++) {
      sliceStart[g] = logit;
      classOffset[g] = place;
      logit += sizes[g] + (flat ? 0 : 1);
      place += sizes[g];
    }
    this.groupOfClass = groupOfClass;
    this.indexOfClass = indexOfClass;
    this.classAtPlace = new int[place];
    boolean identity = true;
    for (int c = 0; c < place; c++) {
      int p = classOffset[groupOfClass[c]] + indexOfClass[c];
      classAtPlace[p] = c;
      identity &= p == c;
    }
    this.identityMapping = identity;
    this.classNames = names == null ? null : List.copyOf(names);
  }

  /** A group layout whose flat class indices follow group order. */
  public static GroupLayout ofSizes(int... groupSizes) {
    int[] sizes = checkSizes(groupSizes);
    int c = Arrays.stream(sizes).sum();
    int[] group = new int[c];
    int[] index = new int[c];
    int next = 0;
    for (int g = 0; g < sizes.length; g++) {
      for (int i = 0; i < sizes[g]; i++, next++) {
        group[next] = g;
        index[next] = i;
      }
    }
    return new GroupLayout(false, sizes, group, index, null);
  }

  /**
   * A group layout from sizes written as text, separated by commas or spaces ({@code 398,521,9}).
   */
  public static GroupLayout ofSizes(String sizes) {
    return ofSizes(GroupLayoutFiles.parseSizes(sizes));
  }

  /** A flat softmax over {@code numClasses} logits (no groups, no "others"). */
  public static GroupLayout flat(int numClasses) {
    if (numClasses < 1) {
      throw new IllegalArgumentException(
          "a flat layout needs at least 1 class but got " + numClasses);
    }
    int[] group = new int[numClasses];
    int[] index = new int[numClasses];
    for (int c = 0; c < numClasses; c++) {
      index[c] = c;
    }
    return new GroupLayout(true, new int[] {numClasses}, group, index, null);
  }

  /**
   * A group layout with an explicit class mapping: flat class c sits at index {@code
   * indexInGroup[c]} of group {@code groupOfClass[c]}. The group sizes follow from the mapping.
   *
   * @param classNames one name per flat class (for example WordNet ids), or null
   * @throws IllegalArgumentException naming the class when groups or places have gaps or repeats
   */
  public static GroupLayout ofClassMapping(
      int[] groupOfClass, int[] indexInGroup, List<String> classNames) {
    return ClassMappingCheck.build(groupOfClass, indexInGroup, classNames);
  }

  /** Internal constructor for validated mappings (see {@link ClassMappingCheck}). */
  static GroupLayout ofCheckedMapping(
      int[] sizes, int[] groupOfClass, int[] indexInGroup, List<String> names) {
    return new GroupLayout(false, sizes, groupOfClass.clone(), indexInGroup.clone(), names);
  }

  /**
   * Reads a layout file, by its extension: {@code .npy} (a 1-D integer array of group sizes, like
   * the paper's {@code taxonomy_level0.npy}), {@code .json} (a list of group sizes, or a layout as
   * written by Jackson) or {@code .tsv} (a class table: {@code wnid flat_index group
   * index_in_group}, comment lines start with '#').
   */
  public static GroupLayout read(Path file) throws IOException {
    return GroupLayoutFiles.read(file);
  }

  /** Rebuilds a layout from its JSON form (see the JSON properties of this class). */
  @JsonCreator
  static GroupLayout fromJson(
      @JsonProperty("flat") boolean flat,
      @JsonProperty(value = "groupSizes", required = true) int[] groupSizes,
      @JsonProperty("classNames") List<String> classNames,
      @JsonProperty("groupOfClass") int[] groupOfClass,
      @JsonProperty("indexInGroupOfClass") int[] indexInGroup) {
    GroupLayout layout;
    if (flat) {
      if (groupSizes.length != 1) {
        throw new IllegalArgumentException(
            "a flat layout has exactly one size but got " + Arrays.toString(groupSizes));
      }
      layout = flat(groupSizes[0]);
    } else if (groupOfClass != null || indexInGroup != null) {
      if (groupOfClass == null || indexInGroup == null) {
        throw new IllegalArgumentException(
            "groupOfClass and indexInGroupOfClass must be given together");
      }
      layout = ofClassMapping(groupOfClass, indexInGroup, null);
      if (!Arrays.equals(layout.sizes, groupSizes)) {
        throw new IllegalArgumentException(
            "groupSizes "
                + Arrays.toString(groupSizes)
                + " do not match the class mapping, which gives "
                + Arrays.toString(layout.sizes));
      }
    } else {
      layout = ofSizes(groupSizes);
    }
    return classNames == null ? layout : layout.withClassNames(classNames);
  }

  /** This layout with one name per flat class. */
  public GroupLayout withClassNames(List<String> names) {
    if (names.size() != numClasses()) {
      throw new IllegalArgumentException(
          "got " + names.size() + " class names for " + numClasses() + " classes");
    }
    ClassMappingCheck.checkUniqueNames(names);
    return new GroupLayout(flat, sizes, groupOfClass, indexOfClass, names);
  }

  static int[] checkSizes(int[] groupSizes) {
    if (groupSizes == null || groupSizes.length == 0) {
      throw new IllegalArgumentException("a group layout needs at least one group size");
    }
    for (int g = 0; g < groupSizes.length; g++) {
      if (groupSizes[g] < 1) {
        throw new IllegalArgumentException(
            "group "
                + g
                + " has size "
                + groupSizes[g]
                + " in "
                + Arrays.toString(groupSizes)
                + ": every group needs at least 1 class");
      }
    }
    return groupSizes.clone();
  }

  /** Whether this is a flat softmax (no groups, no "others"). */
  @JsonProperty("flat")
  public boolean isFlat() {
    return flat;
  }

  /** Whether every slice starts with an "others" logit (true for group layouts). */
  @JsonIgnore
  public boolean hasOthers() {
    return !flat;
  }

  /** Number of groups K (1 for a flat layout). */
  @JsonIgnore
  public int numGroups() {
    return sizes.length;
  }

  /** The group sizes n_k, in group order (for a flat layout: the class count). */
  @JsonProperty("groupSizes")
  public int[] groupSizes() {
    return sizes.clone();
  }

  /** Number of classes n_g in group g. */
  public int groupSize(int group) {
    return sizes[checkGroup(group)];
  }

  /** Number of classes C. */
  @JsonIgnore
  public int numClasses() {
    return classAtPlace.length;
  }

  /** Number of logits the model must emit: C + K for a group layout, C for a flat one. */
  @JsonIgnore
  public int numLogits() {
    return numClasses() + (flat ? 0 : sizes.length);
  }

  /** Index of the first logit of group g's slice (its "others" logit in a group layout). */
  public int sliceStart(int group) {
    return sliceStart[checkGroup(group)];
  }

  /** Length of group g's slice: n_g + 1 in a group layout, C in a flat one. */
  public int sliceLength(int group) {
    return sizes[checkGroup(group)] + (flat ? 0 : 1);
  }

  /** Group of flat class c. */
  public int groupOf(int flatClass) {
    return groupOfClass[checkClass(flatClass)];
  }

  /** Index of flat class c within its group (0-based, not counting "others"). */
  public int indexInGroup(int flatClass) {
    return indexOfClass[checkClass(flatClass)];
  }

  /** Flat class at index i of group g. */
  public int classOf(int group, int indexInGroup) {
    checkGroup(group);
    if (indexInGroup < 0 || indexInGroup >= sizes[group]) {
      throw new IllegalArgumentException(
          "index "
              + indexInGroup
              + " is outside group "
              + group
              + ", which has "
              + sizes[group]
              + " classes");
    }
    return classAtPlace[classOffset[group] + indexInGroup];
  }

  /** The logit that belongs to flat class c. */
  public int logitOf(int flatClass) {
    int g = groupOf(flatClass);
    return sliceStart[g] + (flat ? 0 : 1) + indexOfClass[flatClass];
  }

  /**
   * The group-mode label of flat class c: one entry per group, {@code indexInGroup + 1} for the
   * class's group and 0 ("others") for every other group.
   *
   * @throws IllegalStateException for a flat layout, which has no group labels
   */
  public int[] groupLabels(int flatClass) {
    if (flat) {
      throw new IllegalStateException("a flat layout has no group labels; use the flat label");
    }
    int[] labels = new int[sizes.length];
    labels[groupOf(flatClass)] = indexOfClass[flatClass] + 1;
    return labels;
  }

  /** The class names by flat index, or an empty list when the layout has none. */
  @JsonProperty("classNames")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public List<String> classNames() {
    return classNames == null ? List.of() : classNames;
  }

  /** Group of every flat class, or null (in JSON: absent) when flat indices follow group order. */
  @JsonProperty("groupOfClass")
  int[] groupOfClassOrNull() {
    return identityMapping ? null : groupOfClass.clone();
  }

  /** Index in group of every flat class, or null when flat indices follow group order. */
  @JsonProperty("indexInGroupOfClass")
  int[] indexInGroupOrNull() {
    return identityMapping ? null : indexOfClass.clone();
  }

  /**
   * Throws unless a model with {@code logitCount} logits fits this layout; the message names the
   * numbers.
   */
  public void checkLogitCount(int logitCount) {
    if (logitCount == numLogits()) {
      return;
    }
    if (flat) {
      throw new IllegalArgumentException(
          "the flat layout has "
              + numClasses()
              + " classes but the model has "
              + logitCount
              + " logits");
    }
    int k = sizes.length;
    throw new IllegalArgumentException(
        "group sizes sum to "
            + numClasses()
            + " (+ "
            + k
            + " 'others' = "
            + numLogits()
            + " logits) but the model has "
            + logitCount
            + " logits for "
            + k
            + " groups: expected sizes summing to "
            + (logitCount - k));
  }

  /**
   * Group-softmax prediction for a batch of logits (row-major, {@code rows x numLogits()}): softmax
   * within each slice, drop "others", take each group's best class; the predicted group is the one
   * whose best probability is largest, the class is that group's best.
   */
  public GroupPredictions predict(float[] logits, int rows) {
    return GroupSoftmax.predict(this, logits, rows);
  }

  private int checkGroup(int group) {
    if (group < 0 || group >= sizes.length) {
      throw new IllegalArgumentException(
          "group " + group + " does not exist; the layout has " + sizes.length + " groups");
    }
    return group;
  }

  private int checkClass(int flatClass) {
    if (flatClass < 0 || flatClass >= numClasses()) {
      throw new IllegalArgumentException(
          "class " + flatClass + " does not exist; the layout has " + numClasses() + " classes");
    }
    return flatClass;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GroupLayout other
        && flat == other.flat
        && Arrays.equals(sizes, other.sizes)
        && Arrays.equals(groupOfClass, other.groupOfClass)
        && Arrays.equals(indexOfClass, other.indexOfClass)
        && classNames().equals(other.classNames());
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(sizes) + Boolean.hashCode(flat);
  }

  @Override
  public String toString() {
    if (flat) {
      return "GroupLayout[flat, " + numClasses() + " classes]";
    }
    List<Integer> list = new ArrayList<>();
    for (int s : sizes) {
      list.add(s);
    }
    return "GroupLayout[" + sizes.length + " groups " + list + ", " + numLogits() + " logits]";
  }
}
