package org.mos.common.data.demo;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a demo benchmark holds, as written.
 *
 * @param dir the benchmark folder
 * @param source the source id ({@code generated} or {@code fashion-mnist})
 * @param seed the seed
 * @param scale the scale factor of the counts
 * @param imageSize the side of the square images in pixels
 * @param taxonomy the class taxonomy
 * @param imagesPerSplit images per split folder ({@code train}, {@code val}, {@code test}) in order
 * @param imagesPerClass images per class (flat label order) for each split, same keys
 * @param imagesPerOodSet images per OOD set, in order
 */
public record DemoSummary(
    Path dir,
    String source,
    long seed,
    double scale,
    int imageSize,
    DemoTaxonomy taxonomy,
    Map<String, Integer> imagesPerSplit,
    Map<String, List<Integer>> imagesPerClass,
    Map<String, Integer> imagesPerOodSet) {

  public DemoSummary {
    imagesPerSplit = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(imagesPerSplit));
    imagesPerClass = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(imagesPerClass));
    imagesPerOodSet = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(imagesPerOodSet));
  }

  /** The total number of images written. */
  public int totalImages() {
    return imagesPerSplit.values().stream().mapToInt(Integer::intValue).sum()
        + imagesPerOodSet.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** A few lines for a terminal: where, what, and the counts per split and OOD set. */
  public String format() {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "demo benchmark '%s' (seed %d, scale %s, %dx%d RGB PNG) in %s%n",
            source, seed, scale, imageSize, imageSize, dir));
    s.append(
        String.format(
            "  %d classes in %d groups of sizes %s%n",
            taxonomy.classCount(),
            taxonomy.groups().size(),
            java.util.Arrays.toString(taxonomy.groupSizes())));
    imagesPerSplit.forEach((split, n) -> s.append(String.format("  %-18s %6d images%n", split, n)));
    imagesPerOodSet.forEach(
        (set, n) -> s.append(String.format("  %-18s %6d images%n", "ood/" + set, n)));
    return s.toString();
  }
}
