package org.mos.evaluator.fit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.mos.common.data.Sample;
import org.mos.common.image.UnreadableImage;
import org.mos.common.io.AtomicFiles;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.common.score.FloatMatrix;

/**
 * The outputs of one {@code mos fit} extraction pass, cached on disk in chunks of images, so that a
 * run interrupted after hours continues where it stopped ({@code --cache DIR}).
 *
 * <p>A pass's folder is {@code DIR/PASS-KEY}: PASS names the pass ({@code kl-fit-set}), KEY is a
 * SHA-256 over the bundle's checksum, its preprocessing, the outputs read, the chunk size and every
 * image path in order, so a changed bundle, preprocessing or image list is never read: its folder
 * is removed with a line naming what changed. (Image contents are not hashed: a file changed in
 * place under the same path is read from the cache.) Chunk {@code i} holds {@code
 * chunk-0000i.OUTPUT.npy} (float32, the readable images' rows), {@code chunk-0000i.skipped.json}
 * (its unreadable images) and {@code chunk-0000i.rows.npy} (int64, the readable images' indices in
 * the set), each written atomically, the rows file last: a chunk is complete when its rows file
 * exists.
 */
final class ExtractionCache {

  static final String KEY_FILE = "key.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final List<String> outputs;

  private ExtractionCache(Path dir, List<String> outputs) {
    this.dir = dir;
    this.outputs = outputs;
  }

  /** The folder of this pass. */
  Path dir() {
    return dir;
  }

  /**
   * Opens (creating it when missing) the cache folder of a pass under {@code root}; a folder of the
   * same pass made for another bundle, preprocessing, output list, chunk size or image list is
   * removed, and {@code log} says what differed.
   *
   * @param pass the pass's name as a file name ({@code kl-fit-set})
   */
  static ExtractionCache open(
      Path root,
      String pass,
      String bundleChecksum,
      String preprocessing,
      List<String> outputs,
      int chunkRows,
      List<Sample> samples,
      Consumer<String> log)
      throws IOException {
    Map<String, Object> what = new LinkedHashMap<>();
    what.put("bundle_checksum", bundleChecksum);
    what.put("preprocessing", preprocessing);
    what.put("outputs", List.copyOf(outputs));
    what.put("chunk_rows", chunkRows);
    what.put("images", samples.size());
    what.put("image_list_sha256", listDigest(samples));
    String key = sha256(JSON.writeValueAsString(what));
    what.put("key", key);
    Path dir = root.resolve(pass + "-" + key.substring(0, 16));
    if (Files.isDirectory(root)) {
      try (Stream<Path> old = Files.list(root)) {
        for (Path p : old.toList()) {
          String f = p.getFileName().toString();
          if (!p.equals(dir) && f.matches(java.util.regex.Pattern.quote(pass) + "-[0-9a-f]{16}")) {
            log.accept("the cache " + p + " " + difference(p, what) + ": not reused, removing it");
            AtomicFiles.deleteTree(p);
          }
        }
      }
    }
    Path keyFile = dir.resolve(KEY_FILE);
    if (Files.exists(keyFile)) {
      Map<String, Object> saved = JSON.readValue(keyFile.toFile(), new TypeReference<>() {});
      if (!key.equals(saved.get("key"))) {
        AtomicFiles.deleteTree(dir); // a prefix collision: start over
      }
    }
    if (!Files.exists(keyFile)) {
      Files.createDirectories(dir);
      AtomicFiles.write(keyFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(what));
    }
    return new ExtractionCache(dir, List.copyOf(outputs));
  }

  /** Why a stale folder does not fit this run: its first key field that differs. */
  private static String difference(Path stale, Map<String, Object> now) {
    Map<String, Object> saved;
    try {
      saved = JSON.readValue(stale.resolve(KEY_FILE).toFile(), new TypeReference<>() {});
    } catch (IOException e) {
      return "has no readable " + KEY_FILE;
    }
    for (Map.Entry<String, Object> e : now.entrySet()) {
      Object was = saved.get(e.getKey());
      if (!String.valueOf(e.getValue()).equals(String.valueOf(was))) {
        String field = e.getKey().replace('_', ' ');
        return "was made for " + field + " " + was + " (this run: " + e.getValue() + ")";
      }
    }
    return "has another key";
  }

  private static String listDigest(List<Sample> samples) {
    StringBuilder b = new StringBuilder();
    for (Sample s : samples) {
      b.append(s.path().toAbsolutePath().normalize()).append('\n');
    }
    return sha256(b.toString());
  }

  private static String sha256(String s) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  /** Whether chunk {@code c} is complete. */
  boolean has(int c) {
    return Files.exists(file(c, "rows.npy"));
  }

  /** Reads complete chunk {@code c}. */
  Chunk read(int c) throws IOException {
    long[] rows = Npy.read(file(c, "rows.npy")).longs();
    int[] indices = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      indices[i] = Math.toIntExact(rows[i]);
    }
    Map<String, FloatMatrix> out = new LinkedHashMap<>();
    for (String o : rows.length == 0 ? List.<String>of() : outputs) {
      NpyArray a = Npy.read(file(c, o + ".npy"));
      if (a.shape()[0] != rows.length) {
        throw new IOException(
            file(c, o + ".npy") + " holds " + a.shape()[0] + " rows; its index " + rows.length);
      }
      out.put(o, FloatMatrix.wrap(a.toFloats(), rows.length, a.shape()[1]));
    }
    List<UnreadableImage> skipped = new ArrayList<>();
    for (Map<String, Object> s :
        JSON.readValue(
            file(c, "skipped.json").toFile(), new TypeReference<List<Map<String, Object>>>() {})) {
      skipped.add(
          new UnreadableImage(
              ((Number) s.get("index")).intValue(),
              String.valueOf(s.get("source")),
              String.valueOf(s.get("reason"))));
    }
    return new Chunk(indices, out, skipped);
  }

  /** Writes chunk {@code c}: outputs and unreadable images first, the rows file last. */
  void write(int c, Chunk chunk) throws IOException {
    for (String o : chunk.rows().length == 0 ? List.<String>of() : outputs) {
      FloatMatrix m = chunk.outputs().get(o);
      Npy.writeFloat32(file(c, o + ".npy"), m.toArray(), m.rows(), m.cols());
    }
    List<Map<String, Object>> skipped = new ArrayList<>();
    for (UnreadableImage u : chunk.skipped()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("index", u.index());
      s.put("source", u.source());
      s.put("reason", u.reason());
      skipped.add(s);
    }
    AtomicFiles.write(file(c, "skipped.json"), JSON.writeValueAsBytes(skipped));
    long[] rows = new long[chunk.rows().length];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = chunk.rows()[i];
    }
    Npy.writeInt64(file(c, "rows.npy"), rows, rows.length);
  }

  private Path file(int c, String suffix) {
    return dir.resolve(String.format("chunk-%05d.%s", c, suffix));
  }

  /**
   * The outputs of one chunk's readable images.
   *
   * @param rows the index in the set of each readable image, ascending
   * @param outputs each output's rows, in the order of {@code rows}
   * @param skipped the chunk's unreadable images
   */
  record Chunk(int[] rows, Map<String, FloatMatrix> outputs, List<UnreadableImage> skipped) {}
}
