package org.mos.common.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.mos.common.io.AtomicFiles;

/**
 * A model bundle opened for reading: a folder (or a {@code .zip} of one) holding {@code
 * model.onnx}, fitted statistics and {@code manifest.json}. Opening verifies the schema version and
 * the checksum of every file and refuses a mismatch with a message that names the file.
 */
public final class ModelBundle implements AutoCloseable {

  private final Path source;
  private final Path dir;
  private final boolean extracted;
  private final BundleManifest manifest;

  private volatile String checksum;

  private ModelBundle(Path source, Path dir, boolean extracted, BundleManifest manifest) {
    this.source = source;
    this.dir = dir;
    this.extracted = extracted;
    this.manifest = manifest;
  }

  /** Opens and verifies a bundle folder or {@code .zip}. */
  public static ModelBundle open(Path path) throws IOException {
    Path source = path.toAbsolutePath().normalize();
    if (Files.isDirectory(source)) {
      return new ModelBundle(source, source, false, verify(source, source));
    }
    if (Files.isRegularFile(source) && source.getFileName().toString().endsWith(".zip")) {
      Path dir = Files.createTempDirectory("mos-bundle-");
      try {
        unzip(source, dir);
        return new ModelBundle(source, dir, true, verify(dir, source));
      } catch (IOException | RuntimeException e) {
        AtomicFiles.deleteTree(dir);
        throw e;
      }
    }
    throw new BundleException(source + ": no bundle here (expected a folder or a .zip)");
  }

  /** The manifest as read. */
  public BundleManifest manifest() {
    return manifest;
  }

  /** Where the bundle was opened from (folder or zip). */
  public Path source() {
    return source;
  }

  /** The path of one of the bundle's files (inside an extracted copy for a zip). */
  public Path file(String name) throws BundleException {
    BundleFiles.checkName(name);
    if (!manifest.checksums().containsKey(name)) {
      throw new BundleException(source + " has no file " + name);
    }
    return dir.resolve(name);
  }

  /** The path of the ONNX graph. */
  public Path model() throws BundleException {
    return file("model.onnx");
  }

  /**
   * A checksum of the whole bundle, to key cached results: SHA-256 over every file's checksum and
   * the manifest's own values (architecture, input size, normalisation, preprocessing, classes,
   * layout, statistics and their parameters), so two bundles that differ only in a manifest value
   * never share cached scores.
   */
  public String checksum() {
    String c = checksum;
    if (c == null) {
      c = computeChecksum(manifest);
      checksum = c;
    }
    return c;
  }

  private static String computeChecksum(BundleManifest manifest) {
    StringBuilder all = new StringBuilder();
    manifest.checksums().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> all.append(e.getKey()).append('=').append(e.getValue()).append('\n'));
    try {
      // the manifest's values in one canonical form: map entries sorted by key
      all.append(
          BundleWriter.mapper()
              .copy()
              .configure(
                  com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS,
                  true)
              .writeValueAsString(manifest));
      var digest = java.security.MessageDigest.getInstance("SHA-256");
      return java.util.HexFormat.of()
          .formatHex(
              digest.digest(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot compute the bundle checksum", e);
    }
  }

  @Override
  public void close() throws IOException {
    if (extracted) {
      AtomicFiles.deleteTree(dir);
    }
  }

  private static BundleManifest verify(Path dir, Path source) throws IOException {
    Path manifestFile = dir.resolve(BundleFiles.MANIFEST);
    if (!Files.isRegularFile(manifestFile)) {
      throw new BundleException(source + ": manifest.json is missing");
    }
    JsonNode tree;
    try {
      tree = BundleWriter.mapper().readTree(manifestFile.toFile());
    } catch (JsonProcessingException e) {
      throw new BundleException(
          source + ": manifest.json is not valid JSON (" + e.getOriginalMessage() + ")");
    }
    int version = tree.path("schema_version").asInt(-1);
    if (version != BundleManifest.SCHEMA_VERSION) {
      throw new BundleException(
          source
              + ": manifest.json has schema version "
              + tree.path("schema_version")
              + " but this suite reads version "
              + BundleManifest.SCHEMA_VERSION);
    }
    BundleManifest manifest;
    try {
      manifest = BundleWriter.mapper().treeToValue(tree, BundleManifest.class);
    } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
      throw new BundleException(
          source + ": manifest.json does not describe a bundle (" + e.getMessage() + ")");
    }
    Set<String> present = new HashSet<>();
    try (var list = Files.list(dir)) {
      list.forEach(p -> present.add(p.getFileName().toString()));
    }
    present.remove(BundleFiles.MANIFEST);
    for (Map.Entry<String, String> e : manifest.checksums().entrySet()) {
      String name = e.getKey();
      BundleFiles.checkName(name);
      if (!present.remove(name)) {
        throw new BundleException(source + ": " + name + " is listed in manifest.json but missing");
      }
      String actual = BundleFiles.sha256(dir.resolve(name));
      if (!actual.equalsIgnoreCase(e.getValue())) {
        throw new BundleException(
            source
                + ": "
                + name
                + " does not match its checksum in manifest.json (changed or corrupt)");
      }
    }
    if (!present.isEmpty()) {
      throw new BundleException(
          source + ": " + present.iterator().next() + " is not listed in manifest.json");
    }
    for (var stats : manifest.statistics().entrySet()) {
      for (String f : stats.getValue().files().values()) {
        if (!manifest.checksums().containsKey(f)) {
          throw new BundleException(
              source
                  + ": statistics of '"
                  + stats.getKey()
                  + "' name "
                  + f
                  + ", which is not in the bundle");
        }
      }
    }
    return manifest;
  }

  private static void unzip(Path zip, Path dir) throws IOException {
    try (InputStream raw = Files.newInputStream(zip);
        ZipInputStream in = new ZipInputStream(raw)) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        String name = entry.getName();
        try {
          BundleFiles.checkName(name);
        } catch (IllegalArgumentException e) {
          throw new BundleException(zip + ": entry '" + name + "' is not a plain bundle file name");
        }
        Files.copy(in, dir.resolve(name));
      }
    }
  }
}
