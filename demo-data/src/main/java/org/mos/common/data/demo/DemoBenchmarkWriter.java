package org.mos.common.data.demo;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.mos.common.data.DatasetException;
import org.mos.common.data.ListFile;
import org.mos.common.io.AtomicFiles;

/** Writes a {@link DemoSource} as the benchmark folder layout, atomically. */
final class DemoBenchmarkWriter {

  private final DemoSource source;
  private final Path out;
  private final long seed;
  private final double scale;
  private final int imageSize;
  private final boolean overwrite;
  private final DemoBenchmark.Progress progress;
  private int done;
  private int total;

  DemoBenchmarkWriter(
      DemoSource source,
      Path out,
      long seed,
      double scale,
      int imageSize,
      boolean overwrite,
      DemoBenchmark.Progress progress) {
    this.source = source;
    this.out = out.toAbsolutePath().normalize();
    this.seed = seed;
    this.scale = scale;
    this.imageSize = imageSize;
    this.overwrite = overwrite;
    this.progress = progress;
  }

  /** Fails early when {@code out} exists, is not an empty folder, and may not be replaced. */
  static void checkTarget(Path out, boolean overwrite) {
    if (Files.exists(out) && !overwrite && !isEmptyDirectory(out)) {
      throw new DatasetException(
          out + " already exists and is not an empty folder; choose a new folder or overwrite it");
    }
  }

  DemoSummary write() {
    checkTarget(out, overwrite);
    Path tmp = null;
    try {
      tmp = AtomicFiles.newStagingDirectory(out);
      DemoSummary summary = writeInto(tmp);
      // An old folder (when allowed) is moved aside first and removed once the new one is in.
      AtomicFiles.replaceDirectory(tmp, out);
      return summary;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo benchmark to " + out, e);
    } finally {
      try {
        if (tmp != null) {
          AtomicFiles.deleteTree(tmp);
        }
      } catch (IOException e) {
        // The benchmark itself is in place or the error above is the one to report.
      }
    }
  }

  private DemoSummary writeInto(Path dir) throws IOException {
    DemoTaxonomy taxonomy = source.taxonomy();
    List<String> classes = taxonomy.classNames();
    Map<String, Integer> perSplit = new LinkedHashMap<>();
    Map<String, List<Integer>> perClass = new LinkedHashMap<>();
    Map<String, Integer> perOod = new LinkedHashMap<>();
    for (DemoSplit split : DemoSplit.values()) {
      List<Integer> counts = new ArrayList<>();
      for (int c = 0; c < classes.size(); c++) {
        counts.add(source.count(split, c));
        total += counts.get(c);
      }
      perClass.put(split.folder(), List.copyOf(counts));
      perSplit.put(split.folder(), counts.stream().mapToInt(Integer::intValue).sum());
    }
    for (String set : source.oodSets()) {
      perOod.put(set, source.oodCount(set));
      total += perOod.get(set);
    }
    for (DemoSplit split : DemoSplit.values()) {
      List<String> flat = new ArrayList<>();
      List<String> group = new ArrayList<>();
      for (int c = 0; c < classes.size(); c++) {
        String folder = split.folder() + "/" + classes.get(c);
        final int label = c;
        int n = perClass.get(split.folder()).get(c);
        writeImages(dir.resolve(folder), n, i -> source.image(split, label, i));
        for (int i = 0; i < n; i++) {
          String path = folder + "/" + fileName(i);
          flat.add(ListFile.flatLine(path, c));
          group.add(ListFile.groupLine(path, taxonomy.groupOf(c), taxonomy.indexInGroupOf(c)));
        }
      }
      writeLines(dir.resolve(split.folder() + "_flat.txt"), flat);
      writeLines(dir.resolve(split.folder() + "_group.txt"), group);
    }
    for (String set : source.oodSets()) {
      writeImages(dir.resolve("ood/" + set), perOod.get(set), i -> source.oodImage(set, i));
    }
    DemoSummary summary =
        new DemoSummary(
            out, source.id(), seed, scale, imageSize, taxonomy, perSplit, perClass, perOod);
    writeLines(dir.resolve("taxonomy.tsv"), DemoFiles.taxonomyLines(summary));
    writeLines(dir.resolve("groups.json"), List.of(DemoFiles.groupsJson(taxonomy)));
    writeLines(dir.resolve("README.md"), DemoFiles.readmeLines(summary, source.describe()));
    return summary;
  }

  /** The file name of image {@code i}: zero-padded, so that sorted order is index order. */
  static String fileName(int i) {
    return String.format("%06d.png", i);
  }

  private void writeImages(Path folder, int n, java.util.function.IntFunction<BufferedImage> make)
      throws IOException {
    Files.createDirectories(folder);
    // Each image depends only on the seed and its index, so the parallel order does not matter.
    IntStream.range(0, n)
        .parallel()
        .forEach(
            i -> {
              Path file = folder.resolve(fileName(i));
              try {
                if (!ImageIO.write(make.apply(i), "png", file.toFile())) {
                  throw new IllegalStateException("no PNG writer in javax.imageio");
                }
              } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
              }
            });
    done += n;
    progress.update(done, total);
  }

  private static void writeLines(Path file, List<String> lines) throws IOException {
    StringBuilder s = new StringBuilder();
    lines.forEach(l -> s.append(l).append('\n'));
    Files.writeString(file, s, StandardCharsets.UTF_8);
  }

  private static boolean isEmptyDirectory(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }
}
