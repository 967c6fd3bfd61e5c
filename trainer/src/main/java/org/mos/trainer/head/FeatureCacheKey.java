package org.mos.trainer.head;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mos.common.inference.BundleModel;
import org.mos.common.io.AtomicFiles;

/**
 * What a {@link FeatureCache} folder holds: the key of an extraction (a SHA-256 over everything
 * that changes the features) and the folder's {@value FeatureCache#KEY_FILE}, written when the
 * folder is created and checked before it is read or extended. A folder that holds another
 * extraction is refused with a message naming what differs and {@code --feature-cache}; it is never
 * overwritten.
 */
final class FeatureCacheKey {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private FeatureCacheKey() {}

  /**
   * The key: the bundle's checksum (its files and manifest values), its test preprocessing, the
   * output read, the chunk size, and each image's absolute path, size and modification time, in
   * order.
   */
  static String of(BundleModel model, List<Path> paths, FeatureCache.Settings settings) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      update(sha, "bundle " + model.checksum());
      update(sha, "preprocessing " + model.preprocessSpec());
      update(sha, "output " + settings.output());
      update(sha, "chunk " + settings.chunkRows());
      for (Path p : paths) {
        update(sha, p.toAbsolutePath().normalize() + " " + fileStamp(p));
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  /** Size and modification time: a file replaced under the same name is another image. */
  private static String fileStamp(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return a.size() + " " + a.lastModifiedTime().toMillis();
    } catch (IOException e) {
      return "unreadable"; // the extraction skips it or fails, as --bad-files says
    }
  }

  private static void update(MessageDigest sha, String s) {
    sha.update(s.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
  }

  /**
   * Makes {@code dir} the cache of the extraction {@code key}: creates it with its key file, or
   * checks that an existing one is that extraction's.
   *
   * @throws IllegalArgumentException when the folder's key file records another key, or the folder
   *     holds files but no key file
   */
  static void claim(
      Path dir,
      String name,
      String key,
      BundleModel model,
      List<Path> paths,
      FeatureCache.Settings settings)
      throws IOException {
    Map<String, Object> what = new LinkedHashMap<>();
    what.put("key", key);
    what.put("bundle_checksum", model.checksum());
    what.put("preprocessing", model.preprocessSpec().toString());
    what.put("output", settings.output());
    what.put("images", paths.size());
    what.put("chunk_rows", settings.chunkRows());
    Path keyFile = dir.resolve(FeatureCache.KEY_FILE);
    if (Files.exists(keyFile)) {
      JsonNode saved = JSON.readTree(keyFile.toFile());
      if (key.equals(saved.path("key").asText())) {
        return;
      }
      throw foreign(name, dir, saved, what);
    }
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        if (files.findAny().isPresent()) {
          throw new IllegalArgumentException(
              "features of "
                  + name
                  + ": "
                  + dir
                  + " holds files but no "
                  + FeatureCache.KEY_FILE
                  + ", so what they are is unknown: remove the folder, or give another"
                  + " --feature-cache");
        }
      }
    }
    Files.createDirectories(dir);
    AtomicFiles.write(keyFile, JSON.writeValueAsBytes(what));
  }

  /** A folder of this name holds another extraction (a key prefix collision, or a copied cache). */
  private static IllegalArgumentException foreign(
      String name, Path dir, JsonNode saved, Map<String, Object> wanted) {
    List<String> differ = new ArrayList<>();
    wanted.forEach(
        (field, value) -> {
          if (!field.equals("key") && !saved.path(field).asText().equals(String.valueOf(value))) {
            differ.add(field);
          }
        });
    return new IllegalArgumentException(
        "features of "
            + name
            + ": "
            + dir
            + " holds the features of another extraction (its "
            + FeatureCache.KEY_FILE
            + " records the key "
            + saved.path("key").asText()
            + ", this run's is "
            + wanted.get("key")
            + (differ.isEmpty() ? "" : "; they differ in " + String.join(", ", differ))
            + "): remove that folder, or give another --feature-cache");
  }
}
