package org.mos.common.data.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.mos.common.data.PythonStringOrder;

/**
 * The class taxonomy of a demo benchmark: groups in order, each with its class folder names.
 *
 * <p>The groups are chosen so that listing them in order, each with its classes in order, gives
 * exactly the sorted order of all class folder names (class folders start with their group's name,
 * and groups are in sorted order). So the flat ImageFolder label of a class is the number of
 * classes in earlier groups plus its index in its group, and the group-softmax label and the flat
 * label always agree. The constructor checks this.
 *
 * @param groups the groups, in group order
 */
public record DemoTaxonomy(List<Group> groups) {

  /**
   * One group of classes.
   *
   * @param name the group's name (a prefix of its class folder names)
   * @param classes the class folder names, in index-in-group order
   */
  public record Group(String name, List<String> classes) {
    public Group {
      Objects.requireNonNull(name, "name");
      classes = List.copyOf(classes);
      if (classes.isEmpty()) {
        throw new IllegalArgumentException("group " + name + " has no classes");
      }
    }
  }

  public DemoTaxonomy {
    groups = List.copyOf(groups);
    List<String> flat = new ArrayList<>();
    groups.forEach(g -> flat.addAll(g.classes()));
    List<String> sorted = new ArrayList<>(flat);
    sorted.sort(PythonStringOrder.COMPARATOR);
    if (!flat.equals(sorted) || flat.stream().distinct().count() != flat.size()) {
      throw new IllegalArgumentException(
          "class folders in group order "
              + flat
              + " must be distinct and in sorted order "
              + sorted);
    }
  }

  /** All class folder names in flat-label (sorted folder) order. */
  public List<String> classNames() {
    List<String> flat = new ArrayList<>();
    groups.forEach(g -> flat.addAll(g.classes()));
    return flat;
  }

  /** The number of classes in each group, in group order. */
  public int[] groupSizes() {
    return groups.stream().mapToInt(g -> g.classes().size()).toArray();
  }

  /** The number of classes. */
  public int classCount() {
    return groups.stream().mapToInt(g -> g.classes().size()).sum();
  }

  /** The group of the class with flat label {@code flat}. */
  public int groupOf(int flat) {
    return locate(flat)[0];
  }

  /** The index within its group of the class with flat label {@code flat}. */
  public int indexInGroupOf(int flat) {
    return locate(flat)[1];
  }

  private int[] locate(int flat) {
    int rest = flat;
    for (int g = 0; g < groups.size(); g++) {
      int n = groups.get(g).classes().size();
      if (rest >= 0 && rest < n) {
        return new int[] {g, rest};
      }
      rest -= n;
    }
    throw new IndexOutOfBoundsException(
        "flat label " + flat + " is not in 0.." + (classCount() - 1));
  }
}
