package org.mos.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListFileTest {

  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  /**
   * Asserts that reading {@code file} as {@code asked} finds the format {@code found} and exactly
   * {@code samples}; returns the list read.
   */
  private static ListFile assertReads(
      Path file, Path root, ListFile.Format asked, ListFile.Format found, Sample... samples)
      throws IOException {
    ListFile list = ListFile.read(file, root, asked);
    assertThat(list.format()).isEqualTo(found);
    assertThat(list.samples()).containsExactly(samples);
    return list;
  }

  /**
   * Asserts that reading {@code content} as {@code format} fails with a message naming the file and
   * {@code line}; returns the assertion for checks of the rest of the message.
   */
  private AbstractThrowableAssert<?, ? extends Throwable> assertRejectedAtLine(
      String content, ListFile.Format format, int line) throws IOException {
    Path file = write("bad.txt", content);
    return assertThatThrownBy(() -> ListFile.read(file, dir, format))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(file + ":" + line + ":");
  }

  @Test
  void readsFlatLinesWithPathsRelativeToTheRoot() throws IOException {
    Path file =
        write(
            "val.txt",
            "n01440764/ILSVRC2012_val_00000293.JPEG 448\nn01443537/ILSVRC2012_val_00000236.JPEG"
                + " 449\n");
    Path root = Path.of("/data/imagenet/val");

    assertReads(
        file,
        root,
        ListFile.Format.FLAT,
        ListFile.Format.FLAT,
        Sample.labelled(root.resolve("n01440764/ILSVRC2012_val_00000293.JPEG"), 448),
        Sample.labelled(root.resolve("n01443537/ILSVRC2012_val_00000236.JPEG"), 449));
  }

  @Test
  void keepsSpacesInsidePathsAndTakesTheLastTokensAsLabels() throws IOException {
    Path file = write("f.txt", "my photos/a  b.png 3\n  with tab.jpg\t12  \n\n");

    assertReads(
        file,
        dir,
        ListFile.Format.AUTO,
        ListFile.Format.FLAT,
        Sample.labelled(dir.resolve("my photos/a  b.png"), 3),
        Sample.labelled(dir.resolve("with tab.jpg"), 12));
  }

  @Test
  void readsGroupLinesWithSpacesInPaths() throws IOException {
    Path file = write("g.txt", "a dir/x 1.png 0 287\nb.png 7 1\n");

    ListFile list =
        assertReads(
            file,
            dir,
            ListFile.Format.GROUP,
            ListFile.Format.GROUP,
            Sample.grouped(dir.resolve("a dir/x 1.png"), 0, 287),
            Sample.grouped(dir.resolve("b.png"), 7, 1));
    assertThat(list.samples().get(0).hasLabel()).isFalse();
  }

  @Test
  void detectsTheGroupFormatFromTheFirstLine() throws IOException {
    Path file = write("g.txt", "\nn01/a.JPEG 0 287\nn02/b.JPEG 1 4\n");

    assertThat(ListFile.read(file, dir, ListFile.Format.AUTO).format())
        .isEqualTo(ListFile.Format.GROUP);
  }

  @Test
  void anExplicitFlatFormatReadsAPathEndingInANumberToken() throws IOException {
    Path file = write("f.txt", "scan 12 3\n");

    assertThat(ListFile.read(file, dir, ListFile.Format.AUTO).format())
        .isEqualTo(ListFile.Format.GROUP);
    assertThat(ListFile.read(file, dir, ListFile.Format.FLAT).samples())
        .containsExactly(Sample.labelled(dir.resolve("scan 12"), 3));
  }

  @Test
  void rejectsABadLineNamingFileLineNumberAndLine() throws IOException {
    assertRejectedAtLine("a.png 1\nb.png 2\nc.png two\n", ListFile.Format.AUTO, 3)
        .hasMessageContaining("'path label'")
        .hasMessageEndingWith("c.png two");
  }

  @Test
  void rejectsALineWithoutAPath() throws IOException {
    assertRejectedAtLine("a.png 1\n5\n", ListFile.Format.FLAT, 2);
  }

  @Test
  void rejectsAFlatLineInAGroupList() throws IOException {
    assertRejectedAtLine("a.png 0 1\nb.png 1\n", ListFile.Format.AUTO, 2)
        .hasMessageContaining("'path group index_in_group'")
        .hasMessageEndingWith("b.png 1");
  }

  @Test
  void rejectsNegativeLabels() throws IOException {
    assertRejectedAtLine("a.png -1\n", ListFile.Format.FLAT, 1);
  }

  @Test
  void rejectsAnEmptyOrMissingFile() throws IOException {
    Path empty = write("empty.txt", "\n\n");
    assertThatThrownBy(() -> ListFile.read(empty, dir, ListFile.Format.AUTO))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(empty + " has no entries");
    Path missing = dir.resolve("missing.txt");
    assertThatThrownBy(() -> ListFile.read(missing, dir, ListFile.Format.AUTO))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(missing + " does not exist");
  }

  @Test
  void writesLinesThatReadBack() throws IOException {
    Path file =
        write(
            "w.txt",
            ListFile.flatLine("train/a b/000001.png", 4)
                + "\n"
                + ListFile.flatLine("train/c/000002.png", 0)
                + "\n");
    assertThat(ListFile.groupLine("x y.png", 2, 5)).isEqualTo("x y.png 2 5");
    assertThat(ListFile.read(file, dir, ListFile.Format.AUTO).samples())
        .containsExactly(
            Sample.labelled(dir.resolve("train/a b/000001.png"), 4),
            Sample.labelled(dir.resolve("train/c/000002.png"), 0));
  }
}
