package org.mos.common.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a model bundle atomically: every file goes into a hidden staging folder next to the
 * target, checksums are computed, the manifest is written last, and the folder is renamed into
 * place. A reader therefore sees either no bundle or a complete one, never a half-written one.
 */
public final class BundleWriter {

  /** Something that writes one bundle file's content. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private final Path target;
  private final Map<String, Object> files = new LinkedHashMap<>();
  private boolean replace;

  private BundleWriter(Path target) {
    this.target = target.toAbsolutePath().normalize();
  }

  /** A writer for the bundle folder {@code target}. */
  public static BundleWriter to(Path target) {
    return new BundleWriter(target);
  }

  /** Replace an existing bundle at the target (default: refuse to overwrite). */
  public BundleWriter replaceExisting(boolean replace) {
    this.replace = replace;
    return this;
  }

  /** Adds a copy of an existing file under {@code name}. */
  public BundleWriter copyFile(String name, Path source) {
    files.put(checkNew(name), source);
    return this;
  }

  /** Adds a file whose content is written by {@code content}. */
  public BundleWriter write(String name, Content content) {
    files.put(checkNew(name), content);
    return this;
  }

  /**
   * Writes the files and {@code manifest} (its checksums are replaced by the computed ones) and
   * moves the bundle into place.
   *
   * @return the manifest as written
   */
  public BundleManifest commit(BundleManifest manifest) throws IOException {
    if (Files.exists(target) && !replace) {
      throw new BundleException(target + " already exists (choose another --out or replace it)");
    }
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path staging = Files.createTempDirectory(parent, "." + target.getFileName() + ".staging-");
    // createTempDirectory makes the folder owner-only; a bundle is read by other users (a
    // scorer in a container), so give it the usual rwxr-xr-x where the file system has modes.
    try {
      Files.setPosixFilePermissions(
          staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its defaults apply
    }
    try {
      Map<String, String> sums = new TreeMap<>();
      for (Map.Entry<String, Object> e : files.entrySet()) {
        Path dest = staging.resolve(e.getKey());
        if (e.getValue() instanceof Path source) {
          if (!Files.isRegularFile(source)) {
            throw new BundleException(
                "cannot add " + e.getKey() + ": " + source + " is not a file");
          }
          Files.copy(source, dest);
        } else {
          try (OutputStream out = Files.newOutputStream(dest)) {
            ((Content) e.getValue()).writeTo(out);
          }
        }
        sums.put(e.getKey(), BundleFiles.sha256(dest));
      }
      BundleManifest written =
          new BundleManifest(
                  BundleManifest.SCHEMA_VERSION,
                  manifest.architecture(),
                  manifest.inputSize(),
                  manifest.mean(),
                  manifest.std(),
                  manifest.classNames(),
                  manifest.groupSizes(),
                  manifest.outputs(),
                  manifest.statistics(),
                  manifest.provenance(),
                  null)
              .withChecksums(sums);
      mapper().writeValue(staging.resolve(BundleFiles.MANIFEST).toFile(), written);
      moveIntoPlace(staging);
      return written;
    } finally {
      BundleFiles.deleteTree(staging);
    }
  }

  /** Packs a bundle folder into one {@code .zip} (written atomically). */
  public static void zip(Path bundleDir, Path zipFile) throws IOException {
    Path dir = zipFile.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + zipFile.getFileName(), ".tmp");
    try {
      try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp));
          var list = Files.list(bundleDir)) {
        for (Path f : list.sorted().toList()) {
          zip.putNextEntry(new ZipEntry(f.getFileName().toString()));
          Files.copy(f, zip);
          zip.closeEntry();
        }
      }
      Files.move(tmp, zipFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static ObjectMapper mapper() {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private void moveIntoPlace(Path staging) throws IOException {
    if (!Files.exists(target)) {
      atomicMove(staging, target);
      return;
    }
    // Replacing: move the old bundle aside first, so the target is never a mix of both.
    Path old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
    atomicMove(target, old);
    try {
      atomicMove(staging, target);
    } catch (IOException e) {
      atomicMove(old, target);
      throw e;
    }
    BundleFiles.deleteTree(old);
  }

  private static void atomicMove(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new BundleException("cannot move " + from + " to " + to + " atomically", e);
    }
  }

  private String checkNew(String name) {
    BundleFiles.checkName(name);
    if (BundleFiles.MANIFEST.equals(name)) {
      throw new IllegalArgumentException("manifest.json is written by commit(), not added");
    }
    if (files.containsKey(name)) {
      throw new IllegalArgumentException("bundle file " + name + " added twice");
    }
    return name;
  }
}
