package org.mos.common.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.mos.common.io.AtomicFiles;

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
    Path staging = AtomicFiles.newStagingDirectory(target);
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
                  manifest.preprocessing(),
                  manifest.classNames(),
                  manifest.groupSizes(),
                  manifest.outputs(),
                  manifest.statistics(),
                  manifest.provenance(),
                  null)
              .withChecksums(sums);
      mapper().writeValue(staging.resolve(BundleFiles.MANIFEST).toFile(), written);
      // Replacing: the old bundle is moved aside first, so the target is never a mix of both.
      AtomicFiles.replaceDirectory(staging, target);
      return written;
    } finally {
      AtomicFiles.deleteTree(staging);
    }
  }

  /** Packs a bundle folder into one {@code .zip} (written atomically). */
  public static void zip(Path bundleDir, Path zipFile) throws IOException {
    try (var list = Files.list(bundleDir)) {
      List<Path> files = list.sorted().toList();
      AtomicFiles.write(
          zipFile,
          out -> {
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
              for (Path f : files) {
                zip.putNextEntry(new ZipEntry(f.getFileName().toString()));
                Files.copy(f, zip);
                zip.closeEntry();
              }
            }
          });
    }
  }

  static ObjectMapper mapper() {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
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
