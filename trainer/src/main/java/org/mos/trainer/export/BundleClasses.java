package org.mos.trainer.export;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.mos.common.layout.GroupLayout;

/**
 * The class order of a bundle: <b>bundle class i is the i-th class logit of the head, "others"
 * logits skipped</b>. For a flat head that is the flat label order; for a group head it is group
 * order (group 0's classes by index in group, then group 1's, ...), so that the manifest's class
 * names and group sizes alone define the layout ({@code GroupLayout.ofSizes}). When the source's
 * flat labels follow another order (the paper's ImageNet lists do), {@link #classTable()} records,
 * per bundle class, its name, its flat label in the source and its (group, index in group).
 */
public final class BundleClasses {

  /** The file of the bundle that holds {@link #classTable()}. */
  public static final String CLASS_TABLE = "class_table.tsv";

  private final GroupLayout layout;
  private final int[] sourceFlat;
  private final List<String> names;

  private BundleClasses(GroupLayout layout) {
    this.layout = layout;
    int c = layout.numClasses();
    sourceFlat = new int[c];
    List<String> given = layout.classNames();
    List<String> ordered = new ArrayList<>(c);
    int next = 0;
    for (int g = 0; g < layout.numGroups(); g++) {
      for (int i = 0; i < layout.groupSize(g); i++) {
        int flat = layout.classOf(g, i);
        sourceFlat[next++] = flat;
        ordered.add(given.isEmpty() ? "class_" + flat : given.get(flat));
      }
    }
    names = List.copyOf(ordered);
  }

  /** The bundle classes of {@code layout}, which must fit a head of {@code numLogits}. */
  public static BundleClasses of(GroupLayout layout, int numLogits) {
    layout.checkLogitCount(numLogits);
    return new BundleClasses(layout);
  }

  /** Class names in bundle order (for the manifest). */
  public List<String> names() {
    return names;
  }

  /** Group sizes for the manifest, or null for a flat head. */
  public List<Integer> groupSizes() {
    if (layout.isFlat()) {
      return null;
    }
    List<Integer> sizes = new ArrayList<>();
    for (int s : layout.groupSizes()) {
      sizes.add(s);
    }
    return sizes;
  }

  /** Flat label in the source of bundle class {@code i}. */
  public int sourceFlatLabel(int bundleClass) {
    return sourceFlat[bundleClass];
  }

  /**
   * A TSV with one row per bundle class: {@code bundle_index name source_flat_index group
   * index_in_group logit} (group -1 and the flat label as logit for a flat head).
   */
  public byte[] classTable() {
    StringBuilder sb =
        new StringBuilder(
            "# bundle class i is the i-th class logit ('others' skipped); logit = the head's"
                + " output index\n"
                + "bundle_index\tname\tsource_flat_index\tgroup\tindex_in_group\tlogit\n");
    for (int i = 0; i < names.size(); i++) {
      int flat = sourceFlat[i];
      boolean flatHead = layout.isFlat();
      sb.append(i)
          .append('\t')
          .append(names.get(i))
          .append('\t')
          .append(flat)
          .append('\t')
          .append(flatHead ? -1 : layout.groupOf(flat))
          .append('\t')
          .append(flatHead ? -1 : layout.indexInGroup(flat))
          .append('\t')
          .append(layout.logitOf(flat))
          .append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
