package org.mos.common.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.mos.common.layout.GroupLayout;

/**
 * The MOS grouping of a flat bundle's classes, for training a group-softmax head on its features:
 * the statistics entry {@value #STATISTICS_KEY} of {@code manifest.json} names the file {@value
 * #FILE}, a class table ({@code wnid flat_index group index_in_group}) whose {@code flat_index} is
 * the bundle's class (= logit) index. {@code mos import --onnx} writes it when a flat classifier's
 * classes are given by a class table such as {@code imagenet1k_mos_taxonomy.tsv}; {@code
 * GroupLayout.read} reads the file as any class table.
 */
public final class BundleTaxonomy {

  /** The statistics entry naming the file. */
  public static final String STATISTICS_KEY = "taxonomy";

  /** The file's role in the statistics entry, and its name in the bundle. */
  public static final String ROLE = "class_table";

  public static final String FILE = "taxonomy.tsv";

  private BundleTaxonomy() {}

  /** The class table of {@code taxonomy}, whose flat classes are the bundle's classes in order. */
  public static byte[] classTable(GroupLayout taxonomy) {
    StringBuilder sb =
        new StringBuilder(
            "# the MOS grouping of this bundle's classes: flat_index = the bundle's class (logit)"
                + " index\nwnid\tflat_index\tgroup\tindex_in_group\n");
    for (int c = 0; c < taxonomy.numClasses(); c++) {
      sb.append(taxonomy.classNames().isEmpty() ? "class_" + c : taxonomy.classNames().get(c))
          .append('\t')
          .append(c)
          .append('\t')
          .append(taxonomy.groupOf(c))
          .append('\t')
          .append(taxonomy.indexInGroup(c))
          .append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The manifest's statistics entry for the file. */
  public static BundleManifest.Statistics statistics(GroupLayout taxonomy) {
    StringBuilder sizes = new StringBuilder();
    for (int s : taxonomy.groupSizes()) {
      sizes.append(sizes.length() == 0 ? "" : ",").append(s);
    }
    return new BundleManifest.Statistics(
        Map.of(ROLE, FILE), Map.of("group_sizes", sizes.toString()));
  }

  /** The bundle's taxonomy, when it has one. */
  public static Optional<GroupLayout> read(ModelBundle bundle) throws IOException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get(STATISTICS_KEY);
    if (s == null || !s.files().containsKey(ROLE)) {
      return Optional.empty();
    }
    return Optional.of(GroupLayout.read(bundle.file(s.files().get(ROLE))));
  }
}
