package org.mos.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

  @TempDir Path root;

  /**
   * The expected order was worked out by hand from torchvision's rules and confirmed by running
   * torchvision's find_classes/make_dataset logic (sorted scandir dirs; sorted(os.walk(...,
   * followlinks=True)), sorted(fnames), lower().endswith(IMG_EXTENSIONS)) with /usr/bin/python3 on
   * the same tree.
   */
  @Test
  void ordersClassesAndFilesExactlyAsTorchvisionImageFolder() throws IOException {
    FileTrees.touch(
        root,
        "Zebra/x.JPG",
        "Zebra/notes.txt",
        "apple/z.png",
        "apple/IMG.WebP",
        "apple/readme.md",
        "apple/a/b.png",
        "apple/a/A.PNG",
        "apple/a-c/d.jpeg",
        "apple/a/x/y.bmp",
        "banana/sub/deep/k.tif",
        "loose.png",
        ".hidden/h.ppm");

    ImageFolder folder = ImageFolder.read(root);

    assertThat(folder.classNames()).containsExactly(".hidden", "Zebra", "apple", "banana");
    List<String> got =
        folder.samples().stream()
            .map(s -> s.label() + " " + root.relativize(s.path()).toString())
            .toList();
    assertThat(got)
        .containsExactly(
            "0 .hidden/h.ppm",
            "1 Zebra/x.JPG",
            "2 apple/IMG.WebP",
            "2 apple/z.png",
            "2 apple/a/A.PNG",
            "2 apple/a/b.png",
            "2 apple/a-c/d.jpeg",
            "2 apple/a/x/y.bmp",
            "3 banana/sub/deep/k.tif");
    assertThat(folder.countsPerClass()).containsExactly(1, 1, 6, 1);
    assertThat(folder.labelOf("apple")).isEqualTo(2);
    assertThat(folder.samples()).allSatisfy(s -> assertThat(s.hasGroup()).isFalse());
  }

  @Test
  void sortsUpperCaseBeforeLowerCaseAndDigitsFirstAsPythonDoes() throws IOException {
    FileTrees.touch(root, "b/1.png", "B/1.png", "10/1.png", "9/1.png", "_/1.png");

    assertThat(ImageFolder.read(root).classNames()).containsExactly("10", "9", "B", "_", "b");
  }

  @Test
  void followsSymbolicLinksToClassFoldersAndSubfolders() throws IOException {
    FileTrees.touch(root, "real/one.png", "elsewhere/two.png");
    Files.createDirectories(root.resolve("tree/linked"));
    Files.createSymbolicLink(root.resolve("tree/linked/sub"), root.resolve("elsewhere"));
    FileTrees.touch(root, "tree/linked/zz.png");
    Path top = root.resolve("tree");

    ImageFolder folder = ImageFolder.read(top);

    assertThat(folder.classNames()).containsExactly("linked");
    assertThat(folder.samples())
        .extracting(s -> top.relativize(s.path()).toString())
        .containsExactly("linked/zz.png", "linked/sub/two.png");
  }

  @Test
  void rejectsAMissingRootNamingIt() {
    Path missing = root.resolve("nope");
    assertThatThrownBy(() -> ImageFolder.read(missing))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void rejectsARootThatIsAFile() throws IOException {
    FileTrees.touch(root, "file.png");
    assertThatThrownBy(() -> ImageFolder.read(root.resolve("file.png")))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("is not a folder");
  }

  @Test
  void rejectsARootWithoutClassFolders() throws IOException {
    FileTrees.touch(root, "a.png", "b.jpg");
    assertThatThrownBy(() -> ImageFolder.read(root))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("no class folders in " + root);
  }

  @Test
  void rejectsAnEmptyFolder() {
    assertThatThrownBy(() -> ImageFolder.read(root))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(root.toString());
  }

  @Test
  void rejectsClassFoldersWithoutImagesNamingThem() throws IOException {
    FileTrees.touch(root, "cat/a.png", "dog/readme.txt", "emu/sub/notes.md");
    assertThatThrownBy(() -> ImageFolder.read(root))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("[dog, emu]");
  }
}
