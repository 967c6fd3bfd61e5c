package org.mos.evaluator.evaluate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.data.Sample;
import org.mos.common.layout.GroupLayout;

/** The flat class label of every ID image in a model's class order. */
final class IdLabels {

  private IdLabels() {}

  /**
   * Labels of the ID set for {@code model}. An ImageFolder tree's classes must be the model's class
   * names: in the same order, labels are the folder labels; in another order, each folder is mapped
   * to the model class of the same name. Group list labels are mapped through the model's group
   * layout; flat list labels must be below the model's class count.
   *
   * @throws IllegalArgumentException naming the mismatch
   */
  static int[] of(ScoringModel model, Dataset id) {
    List<Sample> samples = id.samples();
    int[] labels = new int[samples.size()];
    List<String> names = model.classNames();
    if (id.classNames() != null) {
      int[] map = folderToModel(model, id);
      for (int i = 0; i < labels.length; i++) {
        labels[i] = map[samples.get(i).label()];
      }
      return labels;
    }
    GroupLayout layout = null;
    for (int i = 0; i < labels.length; i++) {
      Sample s = samples.get(i);
      if (s.hasGroup()) {
        if (!model.grouped()) {
          throw new IllegalArgumentException(
              "the ID list "
                  + id.source()
                  + " has group labels (path group index_in_group) but bundle '"
                  + model.name()
                  + "' has a flat head: give a flat list (path label) or an ImageFolder tree");
        }
        if (layout == null) {
          layout =
              GroupLayout.ofSizes(
                  model.groupSizes().stream().mapToInt(Integer::intValue).toArray());
        }
        try {
          labels[i] = layout.classOf(s.group(), s.indexInGroup());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              id.source()
                  + ": "
                  + s.path()
                  + " for bundle '"
                  + model.name()
                  + "': "
                  + e.getMessage(),
              e);
        }
      } else {
        if (!names.isEmpty() && s.label() >= names.size()) {
          throw new IllegalArgumentException(
              id.source()
                  + ": "
                  + s.path()
                  + " has label "
                  + s.label()
                  + " but bundle '"
                  + model.name()
                  + "' has "
                  + names.size()
                  + " classes (labels 0.."
                  + (names.size() - 1)
                  + ")");
        }
        labels[i] = s.label();
      }
    }
    return labels;
  }

  private static int[] folderToModel(ScoringModel model, Dataset id) {
    List<String> folders = id.classNames();
    List<String> names = model.classNames();
    int[] map = new int[folders.size()];
    if (names.isEmpty() || names.equals(folders)) {
      for (int i = 0; i < map.length; i++) {
        map[i] = i;
      }
      return map;
    }
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      index.put(names.get(i), i);
    }
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < map.length; i++) {
      Integer c = index.get(folders.get(i));
      if (c == null) {
        unknown.add(folders.get(i));
      } else {
        map[i] = c;
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "the ID folder "
              + id.source()
              + " has class folders that bundle '"
              + model.name()
              + "' does not know: "
              + shortList(unknown)
              + "; its classes are "
              + shortList(names)
              + " (expected one folder per bundle class, named as in the bundle's manifest)"
              + (unnamed(names)
                  ? "; class_0, class_1, ... are the exporter's placeholders for a head exported"
                      + " without names: export it again from its training run folder (mos export"
                      + " --checkpoint RUN) or with --classes, or give the ID set as a list file"
                  : ""));
    }
    return map;
  }

  /** Whether every name is the exporter's placeholder {@code class_<flat label>}. */
  private static boolean unnamed(List<String> names) {
    return names.stream().allMatch(n -> n.matches("class_[0-9]+"));
  }

  private static String shortList(List<String> names) {
    return names.size() <= 12
        ? names.toString()
        : names.subList(0, 12) + " and " + (names.size() - 12) + " more";
  }
}
