package org.mos.evaluator.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @TempDir Path dir;

  private long entries() throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      return all.count();
    }
  }

  @Test
  void replacesAnExistingFileAndLeavesNothingElse() throws IOException {
    Path file = dir.resolve("results.md");
    Files.writeString(file, "an older, longer report");
    AtomicFiles.writeString(file, "new");
    assertThat(file).hasContent("new");
    assertThat(entries()).isEqualTo(1);
  }

  @Test
  void aFailedMoveRemovesItsTemporaryFile() throws IOException {
    // A non-empty folder where the file should go: the move cannot replace it.
    Path target = dir.resolve("results.json");
    Files.createDirectories(target);
    Files.writeString(target.resolve("keep"), "x");
    assertThatThrownBy(() -> AtomicFiles.writeString(target, "{}")).isInstanceOf(IOException.class);
    assertThat(entries()).isEqualTo(1);
    assertThat(target.resolve("keep")).hasContent("x");
  }

  @Test
  void writtenFilesAreReadableByOthersAsUsual() throws IOException {
    Path file = dir.resolve("report.html");
    AtomicFiles.writeString(file, "<html></html>");
    Path plain = Files.writeString(dir.resolve("plain.html"), "<html></html>");
    // Same permissions as a plain write (not the owner-only ones of Files.createTempFile).
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
  }
}
