package org.mos.common.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The suite's one way to replace a file or folder so that a reader sees either the old content or
 * the new, never half of it: write next to the target under a hidden temporary name, then rename
 * over the target. Reports, score files, {@code .npy} files, checkpoints, job states, zipped and
 * folder bundles and the demo benchmark are all written through here.
 *
 * <ul>
 *   <li><b>Permissions</b>: what this class creates gets the permissions a plain {@link
 *       Files#write} or {@link Files#createDirectory} would give in the same place (the process
 *       umask applies; with the usual 022 that is {@code rw-r--r--} for files, {@code rwxr-xr-x}
 *       for folders). Never the owner-only modes of {@link Files#createTempFile} and {@link
 *       Files#createTempDirectory}, which would otherwise carry over to the result.
 *   <li><b>Durability</b>: no fsync. The guarantee is against a process that fails or is killed
 *       while writing (the old file stays whole), not against a power cut, so saving stays as fast
 *       as a plain write.
 *   <li><b>Failure</b>: when writing or the rename fails, the temporary file or folder is removed
 *       and the target is left as it was; the exception propagates. A process killed mid-write may
 *       leave a temporary file named {@code .<target name>.<8 hex digits>.tmp}, which nothing
 *       reads.
 * </ul>
 */
public final class AtomicFiles {

  /** The suffix of temporary files (a killed run may leave one; nothing reads it). */
  public static final String TEMP_SUFFIX = ".tmp";

  /** Writes a file's content to the stream it is given; it may close the stream. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /** Replaces {@code file} with {@code text} in UTF-8, atomically (see the class comment). */
  public static void writeString(Path file, String text) throws IOException {
    write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Replaces {@code file} with {@code bytes}, atomically (see the class comment). */
  public static void write(Path file, byte[] bytes) throws IOException {
    write(file, out -> out.write(bytes));
  }

  /**
   * Replaces {@code file} with what {@code content} writes, atomically: the bytes go to a new
   * temporary file in the same folder, which is then renamed over {@code file}. Missing parent
   * folders are created.
   *
   * @throws IOException from {@code content} or the file system; the temporary file is removed and
   *     {@code file} is unchanged
   */
  public static void write(Path file, Content content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = createTempFile(dir, file.getFileName().toString());
    boolean moved = false;
    try {
      try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
        content.writeTo(out);
      }
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

  /**
   * Creates an empty hidden folder next to {@code target} ({@code .<name>.staging-<8 hex digits>})
   * to build a folder in before {@link #replaceDirectory} moves it into place. Missing parent
   * folders are created; the permissions are a plain {@link Files#createDirectory}'s.
   */
  public static Path newStagingDirectory(Path target) throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    Path parent = absolute.getParent();
    Files.createDirectories(parent);
    while (true) {
      Path staging = parent.resolve("." + absolute.getFileName() + ".staging-" + shortId());
      try {
        return Files.createDirectory(staging);
      } catch (FileAlreadyExistsException e) {
        // another writer drew the same name: draw again
      }
    }
  }

  /**
   * Moves the finished folder {@code staged} to {@code target} by renames only: a reader sees no
   * folder, the old one or the new one, never a mix. An existing {@code target} (file or folder) is
   * first renamed aside and deleted once the new folder is in place; if the new folder cannot be
   * moved in, the old one is put back.
   *
   * @throws IOException when a rename fails or the file system cannot rename atomically (for
   *     example {@code staged} on another file system); {@code staged} is then left for the caller
   *     to remove
   */
  public static void replaceDirectory(Path staged, Path target) throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    if (!Files.exists(absolute, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      atomicMove(staged, absolute);
      return;
    }
    Path old = absolute.resolveSibling("." + absolute.getFileName() + ".old-" + shortId());
    atomicMove(absolute, old);
    try {
      atomicMove(staged, absolute);
    } catch (IOException e) {
      try {
        atomicMove(old, absolute);
      } catch (IOException restore) {
        e.addSuppressed(restore);
      }
      throw e;
    }
    deleteTree(old);
  }

  /**
   * Deletes {@code path} and, if it is a folder, everything under it, deepest first; does nothing
   * when it does not exist. Symbolic links are deleted, not followed.
   */
  public static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Path createTempFile(Path dir, String name) throws IOException {
    while (true) {
      // A unique name (not "<name>.tmp"), so two writers of one folder never share a temp file.
      Path tmp = dir.resolve("." + name + "." + shortId() + TEMP_SUFFIX);
      try {
        return Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        // another writer drew the same name: draw again
      }
    }
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  private static void atomicMove(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot move " + from + " to " + to + " atomically", e);
    }
  }
}
