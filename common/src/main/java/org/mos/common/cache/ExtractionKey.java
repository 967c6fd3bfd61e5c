package org.mos.common.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.inference.BundleModel;

/**
 * Everything that changes the outputs an extraction caches: the bundle's checksum (its files and
 * manifest values), its test preprocessing, the outputs read, the chunk size and each image's
 * absolute path, in order (their SHA-256 is the {@link #digest}, which names the cache folder), and
 * each image's size and modification time, kept per chunk ({@link #chunkStamp}): a changed bundle
 * or image list is another folder, and a chunk holding an image file replaced under the same name
 * is extracted again while the other chunks are kept (an image repaired after a failed run costs
 * one chunk). A {@link ChunkCache} therefore never reads stale outputs. Batch size, threads and the
 * transport only change the speed and are not part of it.
 */
public final class ExtractionKey {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> outputs;
  private final int chunkRows;
  private final int images;
  private final Map<String, Object> fields;
  private final String digest;
  private final String[] chunkStamps;

  /**
   * @param bundleChecksum the bundle's checksum
   * @param preprocessing the bundle's test preprocessing, as text
   * @param outputs the graph outputs cached
   * @param chunkRows images per chunk (at least 1)
   * @param images the image files, in order (a missing file counts as {@code unreadable})
   */
  public ExtractionKey(
      String bundleChecksum,
      String preprocessing,
      List<String> outputs,
      int chunkRows,
      List<Path> images) {
    if (chunkRows < 1) {
      throw new IllegalArgumentException("chunk rows is " + chunkRows + "; expected 1 or more");
    }
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException("an extraction caches at least one output");
    }
    this.outputs = List.copyOf(outputs);
    this.chunkRows = chunkRows;
    this.images = images.size();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("bundle_checksum", bundleChecksum);
    f.put("preprocessing", preprocessing);
    f.put("outputs", this.outputs);
    f.put("chunk_rows", chunkRows);
    f.put("images", images.size());
    f.put("image_list_sha256", listDigest(images));
    this.chunkStamps = new String[chunkCount()];
    for (int c = 0; c < chunkStamps.length; c++) {
      StringBuilder b = new StringBuilder();
      for (Path p : images.subList(c * chunkRows, c * chunkRows + imagesIn(c))) {
        b.append(p.toAbsolutePath().normalize()).append(' ').append(fileStamp(p)).append('\n');
      }
      chunkStamps[c] = sha256(b.toString());
    }
    try {
      this.digest = sha256(JSON.writeValueAsString(f));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the key fields do not serialize", e);
    }
    f.put("key", digest);
    this.fields = Collections.unmodifiableMap(f);
  }

  /** The key of {@code images} through {@code model}'s {@code outputs}, in chunks of chunkRows. */
  public static ExtractionKey of(
      BundleModel model, List<String> outputs, int chunkRows, List<Path> images) {
    return new ExtractionKey(
        model.checksum(), String.valueOf(model.preprocessSpec()), outputs, chunkRows, images);
  }

  /** The SHA-256 of the key's fields, 64 hex digits. */
  public String digest() {
    return digest;
  }

  /** The outputs cached. */
  public List<String> outputs() {
    return outputs;
  }

  /** Images per chunk. */
  public int chunkRows() {
    return chunkRows;
  }

  /** Images in the list. */
  public int images() {
    return images;
  }

  /** Chunks of the list: the last one may be shorter. */
  public int chunkCount() {
    return (int) (((long) images + chunkRows - 1) / chunkRows);
  }

  /** Images in chunk {@code c}. */
  public int imagesIn(int c) {
    return Math.min(chunkRows, images - c * chunkRows);
  }

  /**
   * The SHA-256 of chunk {@code c}'s image paths with each file's size and modification time, as
   * they were when this key was made (before the extraction read them).
   */
  public String chunkStamp(int c) {
    return chunkStamps[c];
  }

  /** The fields a cache folder's key file records, {@code key} (the digest) last. */
  public Map<String, Object> fields() {
    return fields;
  }

  /** One line per image path, in order. */
  private static String listDigest(List<Path> images) {
    StringBuilder b = new StringBuilder();
    for (Path p : images) {
      b.append(p.toAbsolutePath().normalize()).append('\n');
    }
    return sha256(b.toString());
  }

  private static String fileStamp(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return a.size() + " " + a.lastModifiedTime().toMillis();
    } catch (IOException e) {
      return "unreadable"; // the extraction skips it or fails, as the caller's policy says
    }
  }

  private static String sha256(String s) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
