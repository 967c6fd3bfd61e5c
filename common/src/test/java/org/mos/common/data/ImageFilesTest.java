package org.mos.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {

  @TempDir Path root;

  @Test
  void listsImagesAtAnyDepthSortedByRelativePathWithoutLabels() throws IOException {
    FileTrees.touch(
        root, "z.JPEG", "a-c/d.png", "a/x/y.bmp", "a/b.tiff", "a/notes.txt", "images/0001.webp");

    assertThat(ImageFiles.list(root))
        .allSatisfy(s -> assertThat(s.hasLabel()).isFalse())
        .extracting(s -> root.relativize(s.path()).toString())
        // plain sorted relative paths ('-' 0x2d sorts before '/' 0x2f)
        .containsExactly("a-c/d.png", "a/b.tiff", "a/x/y.bmp", "images/0001.webp", "z.JPEG");
  }

  @Test
  void rejectsAFolderWithoutImages() throws IOException {
    FileTrees.touch(root, "sub/readme.md");
    assertThatThrownBy(() -> ImageFiles.list(root))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("no image files under " + root);
  }

  @Test
  void rejectsAMissingFolder() {
    assertThatThrownBy(() -> ImageFiles.list(root.resolve("ood")))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(root.resolve("ood") + " does not exist");
  }
}
