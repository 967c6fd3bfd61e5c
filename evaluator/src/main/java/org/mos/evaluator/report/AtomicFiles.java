package org.mos.evaluator.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes files so that a reader sees either the old or the new content, never half a file: the
 * bytes go to a uniquely named temporary file in the same folder, which is then moved over the
 * target. A failed write removes its temporary file.
 */
final class AtomicFiles {

  /** The suffix of temporary files (a crashed run may leave one; the next run does not read it). */
  static final String TEMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  static void writeString(Path file, String text) throws IOException {
    write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  static void write(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    // A unique name (not "<name>.tmp"), so two writers of the same folder never share a temp file;
    // not Files.createTempFile, whose owner-only permissions would carry over to the report.
    Path tmp =
        dir.resolve(
            "."
                + file.getFileName()
                + "."
                + UUID.randomUUID().toString().substring(0, 8)
                + TEMP_SUFFIX);
    boolean moved = false;
    try {
      Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        // Some network file systems cannot rename atomically; a plain replace is the best there.
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
