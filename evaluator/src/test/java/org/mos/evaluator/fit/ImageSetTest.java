package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;

/** How the data options are read and labelled for a bundle. */
class ImageSetTest {

  @TempDir Path dir;

  private static BundleManifest manifest(List<String> classes, List<Integer> groups) {
    return new BundleManifest(
        1,
        "t",
        4,
        List.of(0.5, 0.5, 0.5),
        List.of(0.5, 0.5, 0.5),
        classes,
        groups,
        List.of("logits"),
        Map.of(),
        Map.of(),
        null);
  }

  private Path file(String name) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[] {1});
    return p;
  }

  @Test
  void mapsAGroupListThroughTheBundlesLayout() throws IOException {
    Path list = dir.resolve("g.txt");
    Files.writeString(list, "a.png 1 0\nb.png 0 2\nc.png 1 1\n");
    ImageSet set =
        ImageSet.labelled(
            "--kl-fit", list, null, manifest(List.of("p", "q", "r", "s", "t"), List.of(3, 2)));
    assertThat(set.labels()).containsExactly(3, 2, 4);
    assertThat(set.samples().get(0).path()).isEqualTo(dir.resolve("a.png"));
  }

  @Test
  void refusesAGroupListForAFlatBundle() throws IOException {
    Path list = dir.resolve("g.txt");
    Files.writeString(list, "a.png 1 0\n");
    assertThatThrownBy(
            () -> ImageSet.labelled("--kl-fit", list, null, manifest(List.of("p", "q"), null)))
        .hasMessageContaining("group list")
        .hasMessageContaining("flat head");
  }

  @Test
  void refusesAFlatLabelBeyondTheBundlesClasses() throws IOException {
    Path list = dir.resolve("f.txt");
    Files.writeString(list, "a.png 0\nb.png 2\n");
    assertThatThrownBy(
            () ->
                ImageSet.labelled(
                    "--mahalanobis-fit", list, null, manifest(List.of("p", "q"), null)))
        .hasMessageContaining("entry 2 has label 2 but the bundle has 2 classes");
  }

  @Test
  void usesTheBundlesIndexWhenFolderNamesAreClassNames() throws IOException {
    file("tree/q/1.png");
    file("tree/p/1.png");
    ImageSet set =
        ImageSet.labelled(
            "--kl-fit", dir.resolve("tree"), null, manifest(List.of("z", "q", "p"), null));
    // folders in sorted order p, q; the bundle says p = 2, q = 1
    assertThat(set.labels()).containsExactly(2, 1);
    assertThat(set.labelMapping()).contains("bundle's class names");
  }

  @Test
  void readsAPlainListOfPathsWhenLabelsAreNotNeededAndCutsToTheFirstImages() throws IOException {
    Path list = dir.resolve("ood.txt");
    Files.writeString(list, "# OOD\nx y.png\nb.png\nc.png\n");
    ImageSet set = ImageSet.unlabelled("--mahalanobis-negatives", list, dir.resolve("root"));
    assertThat(set.samples())
        .extracting(s -> s.path().getFileName().toString())
        .containsExactly("x y.png", "b.png", "c.png");
    ImageSet first = set.first(2);
    assertThat(first.size()).isEqualTo(2);
    assertThat(first.describe())
        .containsEntry("images_listed", 3)
        .containsEntry("taken", "the first 2 in reading order");
  }
}
