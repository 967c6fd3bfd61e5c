package org.mos.common.layout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Validates an explicit class mapping (flat class -> group, index in group). */
final class ClassMappingCheck {

  private ClassMappingCheck() {}

  static GroupLayout build(int[] groupOfClass, int[] indexInGroup, List<String> names) {
    if (groupOfClass.length != indexInGroup.length) {
      throw new IllegalArgumentException(
          "got groups for "
              + groupOfClass.length
              + " classes but indices in group for "
              + indexInGroup.length);
    }
    int c = groupOfClass.length;
    if (c == 0) {
      throw new IllegalArgumentException("a class mapping needs at least one class");
    }
    int k = 0;
    for (int i = 0; i < c; i++) {
      if (groupOfClass[i] < 0 || indexInGroup[i] < 0) {
        throw new IllegalArgumentException(
            "class "
                + i
                + " has a negative place (group "
                + groupOfClass[i]
                + ", index "
                + indexInGroup[i]
                + ")");
      }
      k = Math.max(k, groupOfClass[i] + 1);
    }
    int[] sizes = new int[k];
    Map<Long, Integer> seen = new HashMap<>();
    for (int i = 0; i < c; i++) {
      long place = ((long) groupOfClass[i] << 32) | indexInGroup[i];
      Integer before = seen.put(place, i);
      if (before != null) {
        throw new IllegalArgumentException(
            "classes "
                + before
                + " and "
                + i
                + " both sit at (group "
                + groupOfClass[i]
                + ", index "
                + indexInGroup[i]
                + ")");
      }
      sizes[groupOfClass[i]] = Math.max(sizes[groupOfClass[i]], indexInGroup[i] + 1);
    }
    int[] count = new int[k];
    for (int g : groupOfClass) {
      count[g]++;
    }
    for (int g = 0; g < k; g++) {
      if (count[g] == 0) {
        throw new IllegalArgumentException(
            "group "
                + g
                + " has no classes (groups must be numbered 0.."
                + (k - 1)
                + " without gaps)");
      }
      if (count[g] != sizes[g]) {
        throw new IllegalArgumentException(
            "group "
                + g
                + " has "
                + count[g]
                + " classes but indices up to "
                + (sizes[g] - 1)
                + ": indices in a group must be 0.."
                + (count[g] - 1)
                + " without gaps");
      }
    }
    if (names != null) {
      if (names.size() != c) {
        throw new IllegalArgumentException(
            "got " + names.size() + " class names for " + c + " classes");
      }
      checkUniqueNames(names);
    }
    return GroupLayout.ofCheckedMapping(sizes, groupOfClass, indexInGroup, names);
  }

  static void checkUniqueNames(List<String> names) {
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("class " + i + " has no name");
      }
      Integer before = first.put(name, i);
      if (before != null) {
        throw new IllegalArgumentException(
            "class name '" + name + "' is used by classes " + before + " and " + i);
      }
    }
  }
}
