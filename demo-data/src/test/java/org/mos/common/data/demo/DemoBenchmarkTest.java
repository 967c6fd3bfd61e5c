package org.mos.common.data.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.data.DatasetException;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.ListFile;
import org.mos.common.data.Sample;

class DemoBenchmarkTest {

  private static final List<String> GENERATED_CLASSES =
      List.of(
          "curve-circle",
          "curve-crescent",
          "curve-ring",
          "letter-e",
          "letter-t",
          "polygon-hexagon",
          "polygon-pentagon",
          "polygon-square",
          "polygon-triangle",
          "stroke-asterisk",
          "stroke-plus",
          "stroke-zigzag");

  @TempDir Path tmp;

  private static DemoSummary write(Path out, long seed, double scale) {
    return DemoBenchmark.builder().setOut(out).optSeed(seed).optScale(scale).build().write();
  }

  /** All files under {@code dir} by relative path, with their bytes. */
  static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  @Test
  void writesTheDocumentedLayoutAndCounts() throws IOException {
    Path out = tmp.resolve("demo");
    int[] lastProgress = new int[2];

    DemoSummary summary =
        DemoBenchmark.builder()
            .setOut(out)
            .optScale(0.02) // 200*0.02 = 4 train, 1 val, 1 test per class, 400*0.02 = 8 per OOD set
            .optProgress(
                (done, total) -> {
                  lastProgress[0] = done;
                  lastProgress[1] = total;
                })
            .build()
            .write();

    ImageFolder train = ImageFolder.read(out.resolve("train"));
    assertThat(train.classNames()).isEqualTo(GENERATED_CLASSES);
    assertThat(train.countsPerClass()).containsOnly(4);
    assertThat(ImageFolder.read(out.resolve("val")).countsPerClass()).containsOnly(1);
    assertThat(ImageFolder.read(out.resolve("test")).countsPerClass()).containsOnly(1);
    for (String set : List.of("near-shapes", "far-textures", "far-noise")) {
      assertThat(ImageFiles.list(out.resolve("ood").resolve(set))).hasSize(8);
    }
    assertThat(summary.imagesPerSplit())
        .containsExactly(Map.entry("train", 48), Map.entry("val", 12), Map.entry("test", 12));
    assertThat(summary.totalImages()).isEqualTo(96);
    assertThat(lastProgress).containsExactly(96, 96);
    assertThat(Files.readString(out.resolve("groups.json")).strip()).isEqualTo("[3, 2, 4, 3]");
    assertThat(Files.readString(out.resolve("README.md")))
        .contains("near-shapes")
        .contains("`train/`: 48 images");
    BufferedImage image = ImageIO.read(train.samples().get(0).path().toFile());
    assertThat(image.getWidth()).isEqualTo(32);
    assertThat(image.getHeight()).isEqualTo(32);
    assertThat(image.getColorModel().getNumComponents()).isEqualTo(3);
    try (Stream<Path> siblings = Files.list(tmp)) {
      assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("demo");
    }
  }

  @Test
  void taxonomyTableAndListFilesAgreeWithTheImageFolderLabels() throws IOException {
    Path out = tmp.resolve("demo");
    write(out, 3, 0.02);

    List<String> lines = Files.readAllLines(out.resolve("taxonomy.tsv"));
    List<String> rows = lines.stream().filter(l -> !l.startsWith("#")).toList();
    assertThat(rows.get(0)).isEqualTo("wnid\tflat_index\tgroup\tindex_in_group");
    assertThat(lines)
        .anyMatch(
            l -> l.equals("# Group sizes, in group order: 3 2 4 3 " + "(4 groups, 12 classes)."));
    Map<Integer, int[]> groupOfFlat = new TreeMap<>();
    int[] groupSizes = new int[4];
    for (String row : rows.subList(1, rows.size())) {
      String[] f = row.split("\t");
      int flat = Integer.parseInt(f[1]);
      assertThat(GENERATED_CLASSES.get(flat)).isEqualTo(f[0]);
      groupOfFlat.put(flat, new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])});
      groupSizes[Integer.parseInt(f[2])]++;
    }
    assertThat(groupOfFlat).hasSize(12);
    assertThat(groupSizes).containsExactly(3, 2, 4, 3);
    // index_in_group counts up from 0 within a group in flat order
    assertThat(groupOfFlat.get(5)).containsExactly(2, 0);
    assertThat(groupOfFlat.get(8)).containsExactly(2, 3);

    for (String split : List.of("train", "val", "test")) {
      List<Sample> folder = ImageFolder.read(out.resolve(split)).samples();
      List<Sample> flat =
          ListFile.read(out.resolve(split + "_flat.txt"), out, ListFile.Format.AUTO).samples();
      ListFile group = ListFile.read(out.resolve(split + "_group.txt"), out, ListFile.Format.AUTO);
      assertThat(group.format()).isEqualTo(ListFile.Format.GROUP);
      assertThat(flat).isEqualTo(folder);
      List<String> expectedGroupLabels = new ArrayList<>();
      List<String> groupLabels = new ArrayList<>();
      for (int i = 0; i < folder.size(); i++) {
        int[] g = groupOfFlat.get(folder.get(i).label());
        expectedGroupLabels.add(folder.get(i).path() + " " + g[0] + " " + g[1]);
        Sample s = group.samples().get(i);
        groupLabels.add(s.path() + " " + s.group() + " " + s.indexInGroup());
      }
      assertThat(groupLabels).isEqualTo(expectedGroupLabels);
    }
  }

  @Test
  void theSameSeedGivesByteIdenticalFilesAndAnotherSeedDoesNot() throws IOException {
    write(tmp.resolve("a"), 42, 0.02);
    write(tmp.resolve("b"), 42, 0.02);
    write(tmp.resolve("c"), 43, 0.02);

    Map<String, byte[]> a = files(tmp.resolve("a"));
    Map<String, byte[]> b = files(tmp.resolve("b"));
    Map<String, byte[]> c = files(tmp.resolve("c"));
    assertThat(b.keySet()).isEqualTo(a.keySet());
    for (String name : a.keySet()) {
      assertThat(b.get(name)).as(name).isEqualTo(a.get(name));
    }
    assertThat(c.keySet()).isEqualTo(a.keySet());
    assertThat(c.get("train/curve-circle/000000.png"))
        .isNotEqualTo(a.get("train/curve-circle/000000.png"));
    assertThat(c.get("ood/far-noise/000003.png")).isNotEqualTo(a.get("ood/far-noise/000003.png"));
  }

  @Test
  void imagesOfASplitDifferFromEachOther() throws IOException {
    Path out = tmp.resolve("demo");
    write(out, 1, 0.02);

    Map<String, byte[]> all = files(out);
    assertThat(all.get("train/letter-e/000000.png"))
        .isNotEqualTo(all.get("train/letter-e/000001.png"));
    assertThat(all.get("train/letter-e/000000.png"))
        .isNotEqualTo(all.get("val/letter-e/000000.png"));
  }

  @Test
  void refusesToReplaceAnExistingFolderUnlessAsked() throws IOException {
    Path out = tmp.resolve("demo");
    Files.createDirectories(out);
    Files.writeString(out.resolve("keep.txt"), "mine");

    assertThatThrownBy(() -> write(out, 1, 0.02))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(out + " already exists");
    assertThat(out.resolve("keep.txt")).exists();

    DemoBenchmark.builder().setOut(out).optScale(0.02).optOverwrite(true).build().write();
    assertThat(out.resolve("keep.txt")).doesNotExist();
    assertThat(out.resolve("taxonomy.tsv")).exists();
    try (Stream<Path> siblings = Files.list(tmp)) {
      assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("demo");
    }
  }

  @Test
  void writesIntoAnExistingEmptyFolder() throws IOException {
    Path out = tmp.resolve("empty");
    Files.createDirectories(out);

    write(out, 1, 0.02);

    assertThat(out.resolve("train_flat.txt")).exists();
  }

  @Test
  void rejectsScalesAndSizesOutOfRange() {
    Path out = tmp.resolve("x");
    assertThatThrownBy(() -> DemoBenchmark.builder().setOut(out).optScale(0).build())
        .hasMessageContaining("scale must be > 0 and <= 20.0, got 0.0");
    assertThatThrownBy(() -> DemoBenchmark.builder().setOut(out).optScale(21).build())
        .hasMessageContaining("got 21.0");
    assertThatThrownBy(() -> DemoBenchmark.builder().setOut(out).optImageSize(8).build())
        .hasMessageContaining("got 8");
    assertThatThrownBy(() -> DemoBenchmark.builder().build())
        .hasMessageContaining("output folder is required");
    assertThatThrownBy(() -> DemoBenchmark.Source.of("cifar"))
        .hasMessageContaining("unknown demo source 'cifar'");
  }

  @Test
  void namesTheMissingFashionMnistFilesAndWritesNothing() {
    Path out = tmp.resolve("fm");
    Path nowhere = tmp.resolve("no-fashion");
    assertThatThrownBy(
            () ->
                DemoBenchmark.builder()
                    .setOut(out)
                    .optSource(DemoBenchmark.Source.FASHION_MNIST)
                    .optFashionMnistDirectory(nowhere)
                    .build()
                    .write())
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("Fashion-MNIST not found in " + nowhere);
    assertThat(out).doesNotExist();
  }
}
