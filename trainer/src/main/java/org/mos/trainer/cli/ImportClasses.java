package org.mos.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mos.common.layout.GroupLayout;

/**
 * The classes of an imported ONNX classifier, from {@code --layout}, {@code --classes} and {@code
 * --class-order}: the head's layout, and for a flat head described by a class table (such as {@code
 * imagenet1k_mos_taxonomy.tsv}) the MOS grouping of its classes, which a new group head can be
 * trained with.
 *
 * <p>A class table's {@code flat_index} is its source's flat label order (the MOS paper's for the
 * ImageNet table); torchvision's ImageNet models order their logits by sorted WordNet id (the
 * ImageFolder order), which is the table's row order but not its {@code flat_index}. So for a flat
 * head, {@code --class-order sorted|flat-index} says which order the logits follow; it may be left
 * out when both orders agree.
 *
 * @param layout the head's layout, with class names in flat-label order
 * @param taxonomy for a flat head given a class table: the groups of its classes (class i = logit
 *     i), else null
 */
record ImportClasses(GroupLayout layout, GroupLayout taxonomy) {

  static final String SORTED = "sorted";
  static final String FLAT_INDEX = "flat-index";

  /**
   * Resolves the options for a head of {@code numLogits} logits.
   *
   * @throws IllegalArgumentException naming the option that contradicts the model or is missing
   */
  static ImportClasses resolve(String layoutOption, Path classes, String classOrder, int numLogits)
      throws IOException {
    if (classOrder != null && !classOrder.equals(SORTED) && !classOrder.equals(FLAT_INDEX)) {
      throw new IllegalArgumentException(
          "--class-order " + classOrder + ": expected " + SORTED + " or " + FLAT_INDEX);
    }
    String value = layoutOption.strip();
    GroupLayout layout;
    GroupLayout taxonomy = null;
    boolean table = value.endsWith(".tsv");
    if (value.equals("flat")) {
      layout = GroupLayout.flat(numLogits);
    } else if (!table) {
      BundleOptions options = new BundleOptions();
      options.layout = value;
      layout = options.givenLayout(numLogits);
      if (!layout.isFlat() && layout.numClasses() == numLogits) {
        throw new IllegalArgumentException(
            "--layout "
                + value
                + ": "
                + layout.numGroups()
                + " groups of "
                + layout.numClasses()
                + " classes need "
                + layout.numLogits()
                + " logits (one 'others' per group) but the model has "
                + numLogits
                + ": it is a flat classifier; import it with --layout flat, or give a class table"
                + " (--layout TABLE.tsv) to record a MOS grouping of its classes");
      }
    } else {
      GroupLayout read = GroupLayout.read(Path.of(value));
      if (read.numLogits() == numLogits) {
        layout = read; // a group-softmax head, as the paper's models
      } else if (read.numClasses() == numLogits) {
        List<String> order = order(read.classNames(), classOrder, "--layout " + value);
        taxonomy = regrouped(read, order);
        layout = GroupLayout.flat(numLogits).withClassNames(order);
      } else {
        throw new IllegalArgumentException(
            "--layout "
                + value
                + " lists "
                + read.numClasses()
                + " classes in "
                + read.numGroups()
                + " groups (a flat head of "
                + read.numClasses()
                + " or a group head of "
                + read.numLogits()
                + " logits) but the model has "
                + numLogits
                + " logits");
      }
    }
    if (classOrder != null && (!layout.isFlat() || (taxonomy == null && !isTable(classes)))) {
      throw new IllegalArgumentException(
          "--class-order applies to a flat head named by a class table (--layout or --classes"
              + " TABLE.tsv); drop it");
    }
    if (classes != null) {
      List<String> names = BundleOptions.readNames(classes);
      if (isTable(classes) && layout.isFlat()) {
        // readNames lists a table by flat_index; the logits may follow the sorted order instead
        names = order(names, classOrder, "--classes " + classes);
      }
      try {
        layout = layout.withClassNames(names);
        if (taxonomy != null) {
          taxonomy = taxonomy.withClassNames(names);
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--classes " + classes + ": " + e.getMessage(), e);
      }
    }
    layout.checkLogitCount(numLogits);
    return new ImportClasses(layout, taxonomy);
  }

  private static boolean isTable(Path classes) throws IOException {
    if (classes == null || !classes.toString().endsWith(".tsv")) {
      return false;
    }
    for (String line : Files.readAllLines(classes)) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("#")) {
        return l.matches("(?s).*\\bwnid\\b.*\\bflat_index\\b.*");
      }
    }
    return false;
  }

  /** Names listed by flat_index, reordered as {@code classOrder} says. */
  private static List<String> order(List<String> byFlatIndex, String classOrder, String what) {
    List<String> sorted = new ArrayList<>(byFlatIndex);
    sorted.sort(null);
    if (classOrder == null) {
      if (!sorted.equals(byFlatIndex)) {
        throw new IllegalArgumentException(
            what
                + " is a class table whose flat_index order (e.g. the MOS paper's ImageNet labels)"
                + " differs from the sorted order of its names (torchvision's ImageFolder order,"
                + " which its ImageNet models use): say which order the model's logits follow with"
                + " --class-order sorted or --class-order flat-index");
      }
      return byFlatIndex;
    }
    return classOrder.equals(SORTED) ? sorted : byFlatIndex;
  }

  /** The table's groups for classes in {@code order} (class i = {@code order.get(i)}). */
  private static GroupLayout regrouped(GroupLayout table, List<String> order) {
    List<String> names = table.classNames();
    int[] group = new int[order.size()];
    int[] index = new int[order.size()];
    for (int i = 0; i < order.size(); i++) {
      int flat = names.indexOf(order.get(i));
      group[i] = table.groupOf(flat);
      index[i] = table.indexInGroup(flat);
    }
    return GroupLayout.ofClassMapping(group, index, order);
  }
}
