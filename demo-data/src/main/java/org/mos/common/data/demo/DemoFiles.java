package org.mos.common.data.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The text files of a demo benchmark: taxonomy table, group sizes, README. */
final class DemoFiles {

  private DemoFiles() {}

  /**
   * The class table in the format of {@code imagenet1k_mos_taxonomy.tsv}: {@code #} comments, a
   * header, then one tab-separated line per class in flat-label order.
   */
  static List<String> taxonomyLines(DemoSummary s) {
    DemoTaxonomy t = s.taxonomy();
    List<String> lines = new ArrayList<>();
    lines.add("# Demo benchmark class table (source " + s.source() + ", seed " + s.seed() + ").");
    lines.add(
        "# wnid: class folder name; flat_index: the flat label (the sorted-folder ImageFolder"
            + " label, also the label of the *_flat.txt lists);");
    lines.add(
        "# group, index_in_group: the label of the *_group.txt lists (logit = slice(group)"
            + "[index_in_group + 1]; slice position 0 is 'others').");
    lines.add(
        "# Group sizes, in group order: "
            + Arrays.stream(t.groupSizes())
                .mapToObj(String::valueOf)
                .collect(Collectors.joining(" "))
            + " ("
            + t.groups().size()
            + " groups, "
            + t.classCount()
            + " classes).");
    lines.add(
        "# Group names, in group order: "
            + t.groups().stream().map(DemoTaxonomy.Group::name).collect(Collectors.joining(" "))
            + ".");
    lines.add("wnid\tflat_index\tgroup\tindex_in_group");
    List<String> classes = t.classNames();
    for (int c = 0; c < classes.size(); c++) {
      lines.add(classes.get(c) + "\t" + c + "\t" + t.groupOf(c) + "\t" + t.indexInGroupOf(c));
    }
    return lines;
  }

  /** The group sizes as a JSON array, for example {@code [3, 2, 4, 3]}. */
  static String groupsJson(DemoTaxonomy t) {
    return Arrays.stream(t.groupSizes())
        .mapToObj(String::valueOf)
        .collect(Collectors.joining(", ", "[", "]"));
  }

  static List<String> readmeLines(DemoSummary s, String description) {
    DemoTaxonomy t = s.taxonomy();
    List<String> l = new ArrayList<>();
    l.add("# MOS demo benchmark (" + s.source() + ")");
    l.add("");
    l.add(
        "Written by `mos data demo --source "
            + s.source()
            + " --seed "
            + s.seed()
            + " --scale "
            + s.scale()
            + (s.source().equals("generated") ? " --image-size " + s.imageSize() : "")
            + "`; the same command (on the same Java version) writes byte-identical files.");
    l.add("");
    l.add(description.strip());
    l.add("");
    l.add("## Classes and groups");
    l.add("");
    l.add("| flat label | class folder | group | index in group | train | val | test |");
    l.add("|---|---|---|---|---|---|---|");
    List<String> classes = t.classNames();
    for (int c = 0; c < classes.size(); c++) {
      int g = t.groupOf(c);
      l.add(
          String.format(
              "| %d | %s | %d (%s) | %d | %d | %d | %d |",
              c,
              classes.get(c),
              g,
              t.groups().get(g).name(),
              t.indexInGroupOf(c),
              s.imagesPerClass().get("train").get(c),
              s.imagesPerClass().get("val").get(c),
              s.imagesPerClass().get("test").get(c)));
    }
    l.add("");
    l.add(
        "Group sizes "
            + groupsJson(t)
            + ". Class folders start with their group's name and groups are in sorted order, so"
            + " the sorted-folder (ImageFolder) label of a class equals the number of classes in"
            + " earlier groups plus its index in its group.");
    l.add("");
    l.add("## Counts");
    l.add("");
    s.imagesPerSplit().forEach((k, v) -> l.add("- `" + k + "/`: " + v + " images"));
    s.imagesPerOodSet().forEach((k, v) -> l.add("- `ood/" + k + "/`: " + v + " images"));
    l.add("");
    l.add("## Files");
    l.add("");
    l.add("- `train/CLASS/NNNNNN.png`, `val/CLASS/...`, `test/CLASS/...`: in-distribution images.");
    l.add("- `ood/SET/NNNNNN.png`: OOD images (no labels).");
    l.add(
        "- `taxonomy.tsv`: class folder (column `wnid`), flat label, group, index in group; the"
            + " format of the ImageNet table `imagenet1k_mos_taxonomy.tsv`.");
    l.add("- `groups.json`: the group sizes in group order.");
    l.add(
        "- `SPLIT_flat.txt` (`path label`) and `SPLIT_group.txt` (`path group index_in_group`):"
            + " the paper's list-file formats, paths relative to this folder, in ImageFolder"
            + " order.");
    return l;
  }
}
