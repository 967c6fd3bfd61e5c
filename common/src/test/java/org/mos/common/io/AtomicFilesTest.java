package org.mos.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @TempDir Path dir;

  private List<String> entries(Path folder) throws IOException {
    try (Stream<Path> all = Files.list(folder)) {
      return all.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void replacesAnExistingFileAndLeavesNothingElse() throws IOException {
    Path file = dir.resolve("results.md");
    Files.writeString(file, "an older, longer report");
    AtomicFiles.writeString(file, "new");
    assertThat(file).hasContent("new");
    assertThat(entries(dir)).containsExactly("results.md");
  }

  @Test
  void writesStreamedContentAndCreatesMissingParentFolders() throws IOException {
    Path file = dir.resolve("a/b/scores.txt");
    AtomicFiles.write(
        file,
        out -> {
          out.write("0.5\n".getBytes());
          out.close(); // content may close the stream itself (a ZipOutputStream does)
        });
    assertThat(file).hasContent("0.5");
    assertThat(entries(dir.resolve("a/b"))).containsExactly("scores.txt");
  }

  @Test
  void aFailedMoveRemovesItsTemporaryFile() throws IOException {
    // A non-empty folder where the file should go: the move cannot replace it.
    Path target = dir.resolve("results.json");
    Files.createDirectories(target);
    Files.writeString(target.resolve("keep"), "x");
    assertThatThrownBy(() -> AtomicFiles.writeString(target, "{}")).isInstanceOf(IOException.class);
    assertThat(entries(dir)).containsExactly("results.json");
    assertThat(target.resolve("keep")).hasContent("x");
  }

  @Test
  void aFailingWriterRemovesItsTemporaryFileAndKeepsTheOldContent() throws IOException {
    Path file = dir.resolve("checkpoint.npz");
    Files.writeString(file, "old");
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    file,
                    out -> {
                      out.write("half".getBytes());
                      throw new IOException("disk full");
                    }))
        .hasMessage("disk full");
    assertThat(file).hasContent("old");
    assertThat(entries(dir)).containsExactly("checkpoint.npz");
  }

  @Test
  void writtenFilesGetThePermissionsOfAPlainWrite() throws IOException {
    Path file = dir.resolve("report.html");
    AtomicFiles.writeString(file, "<html></html>");
    Path plain = Files.writeString(dir.resolve("plain.html"), "<html></html>");
    // Not the owner-only rw------- of Files.createTempFile.
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
  }

  @Test
  void stagingFoldersAreHiddenSiblingsWithThePermissionsOfAPlainFolder() throws IOException {
    Path target = dir.resolve("bundle");
    Path staging = AtomicFiles.newStagingDirectory(target);
    Path plain = Files.createDirectory(dir.resolve("plain"));
    assertThat(staging.getParent()).isEqualTo(dir.toAbsolutePath().normalize());
    assertThat(staging.getFileName().toString()).matches("\\.bundle\\.staging-[0-9a-f]{8}");
    assertThat(Files.getPosixFilePermissions(staging))
        .isEqualTo(Files.getPosixFilePermissions(plain));
  }

  @Test
  void replaceDirectoryMovesANewFolderIntoPlace() throws IOException {
    Path target = dir.resolve("out");
    replaceWithANewFolderHoldingATxt(target);
    assertThat(target.resolve("a.txt")).hasContent("new");
    assertThat(entries(dir)).containsExactly("out");
  }

  @Test
  void replaceDirectoryRemovesTheOldFolderOnceTheNewOneIsIn() throws IOException {
    Path target = dir.resolve("out");
    writeWithFolders(target.resolve("deep/er/old.txt"), "old");
    replaceWithANewFolderHoldingATxt(target);
    assertThat(entries(target)).containsExactly("a.txt");
    assertThat(entries(dir)).containsExactly("out");
  }

  @Test
  void replaceDirectoryPutsTheOldFolderBackWhenTheNewOneCannotMoveIn() throws IOException {
    Path target = dir.resolve("out");
    writeWithFolders(target.resolve("old.txt"), "old");
    Path missing = dir.resolve(".out.staging-gone");
    assertThatThrownBy(() -> AtomicFiles.replaceDirectory(missing, target))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(target.resolve("old.txt")).hasContent("old");
    assertThat(entries(dir)).containsExactly("out");
  }

  @Test
  void deleteTreeRemovesNestedFoldersAndIgnoresAMissingPath() throws IOException {
    Path root = dir.resolve("tree");
    writeWithFolders(root.resolve("a/b/c.txt"), "c");
    writeWithFolders(root.resolve("d.txt"), "d");
    AtomicFiles.deleteTree(root);
    assertThat(root).doesNotExist();
    AtomicFiles.deleteTree(root);
    assertThat(entries(dir)).isEmpty();
  }

  @Test
  void deleteTreeDeletesALinkWithoutFollowingIt() throws IOException {
    Path kept = Files.createDirectories(dir.resolve("kept"));
    Files.writeString(kept.resolve("x.txt"), "x");
    Path tree = Files.createDirectories(dir.resolve("tree"));
    Files.createSymbolicLink(tree.resolve("link"), kept);
    AtomicFiles.deleteTree(tree);
    assertThat(tree).doesNotExist();
    assertThat(kept.resolve("x.txt")).hasContent("x");
  }

  /** Writes {@code content} to {@code file}, creating its folders first. */
  private static void writeWithFolders(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /** Stages a folder holding a.txt ("new") and moves it in at {@code target}. */
  private static void replaceWithANewFolderHoldingATxt(Path target) throws IOException {
    Path staging = AtomicFiles.newStagingDirectory(target);
    Files.writeString(staging.resolve("a.txt"), "new");
    AtomicFiles.replaceDirectory(staging, target);
  }
}
