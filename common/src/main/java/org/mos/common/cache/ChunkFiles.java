package org.mos.common.cache;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.image.UnreadableImage;
import org.mos.common.io.AtomicFiles;
import org.mos.common.io.Npy;
import org.mos.common.score.FloatMatrix;

/**
 * The files of one chunk in a cache folder, and their reading and writing. Chunk {@code i} is
 * {@code chunk-0000i.OUTPUT.npy} per output (float32, one row per readable image), {@code
 * chunk-0000i.skipped.json} (its unreadable images), {@code chunk-0000i.stamp} (its images' {@link
 * ExtractionKey#chunkStamp}, when written by a {@link ChunkCache}) and {@code chunk-0000i.rows.npy}
 * (int64, the readable images' indices in the image list), each written atomically, the rows file
 * last: the rows file is the chunk's completion marker, so a chunk interrupted while being written
 * is incomplete and extracted again. Output files are read through memory mappings.
 */
public final class ChunkFiles {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ChunkFiles() {}

  /** The float32 rows of {@code output} in chunk {@code c}. */
  public static Path outputFile(Path dir, int c, String output) {
    return file(dir, c, output + ".npy");
  }

  /** The completion marker of chunk {@code c}: the readable images' indices. */
  public static Path rowsFile(Path dir, int c) {
    return file(dir, c, "rows.npy");
  }

  /** The unreadable images of chunk {@code c}. */
  public static Path skippedFile(Path dir, int c) {
    return file(dir, c, "skipped.json");
  }

  /** The stamp of chunk {@code c}'s image files when it was extracted. */
  public static Path stampFile(Path dir, int c) {
    return file(dir, c, "stamp");
  }

  /** Whether chunk {@code c} is complete (its rows file exists). */
  public static boolean isComplete(Path dir, int c) {
    return Files.exists(rowsFile(dir, c));
  }

  /** Writes chunk {@code c}: outputs and unreadable images first, the rows file last. */
  public static void write(Path dir, int c, CachedChunk chunk) throws IOException {
    int n = chunk.rows().length;
    if (n > 0) {
      for (Map.Entry<String, FloatMatrix> e : chunk.outputs().entrySet()) {
        FloatMatrix m = e.getValue();
        Npy.writeFloat32(outputFile(dir, c, e.getKey()), m.toArray(), m.rows(), m.cols());
      }
    }
    List<Map<String, Object>> skipped = new ArrayList<>();
    for (UnreadableImage u : chunk.skipped()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("index", u.index());
      s.put("source", u.source());
      s.put("reason", u.reason());
      skipped.add(s);
    }
    AtomicFiles.write(skippedFile(dir, c), JSON.writeValueAsBytes(skipped));
    long[] rows = new long[n];
    for (int i = 0; i < n; i++) {
      rows[i] = chunk.rows()[i];
    }
    Npy.writeInt64(rowsFile(dir, c), rows, n);
  }

  /** The readable images' indices of complete chunk {@code c}. */
  public static int[] readRows(Path dir, int c) throws IOException {
    long[] rows = Npy.read(rowsFile(dir, c)).longs();
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = Math.toIntExact(rows[i]);
    }
    return out;
  }

  /**
   * Reads complete chunk {@code c} into memory: its rows of {@code outputs}, its skipped images.
   */
  public static CachedChunk read(Path dir, int c, List<String> outputs) throws IOException {
    int[] rows = readRows(dir, c);
    Map<String, FloatMatrix> out = new LinkedHashMap<>();
    for (String o : rows.length == 0 ? List.<String>of() : outputs) {
      Mapped m = map(outputFile(dir, c, o), rows.length);
      float[] values = new float[rows.length * m.cols()];
      m.data().get(0, values);
      out.put(o, FloatMatrix.wrap(values, rows.length, m.cols()));
    }
    List<UnreadableImage> skipped = new ArrayList<>();
    for (Map<String, Object> s :
        JSON.readValue(
            skippedFile(dir, c).toFile(), new TypeReference<List<Map<String, Object>>>() {})) {
      skipped.add(
          new UnreadableImage(
              ((Number) s.get("index")).intValue(),
              String.valueOf(s.get("source")),
              String.valueOf(s.get("reason"))));
    }
    return new CachedChunk(rows, out, skipped);
  }

  /**
   * A float32 matrix file mapped into memory.
   *
   * @param data its values, row after row
   * @param cols its row length
   */
  public record Mapped(FloatBuffer data, int cols) {}

  /**
   * Maps the float32 matrix {@code file}, which must hold {@code rows} rows.
   *
   * @throws IOException when the file is not a C-order float32 matrix of that many rows
   */
  public static Mapped map(Path file, int rows) throws IOException {
    Npy.Header h = Npy.readHeader(file);
    if (!h.descr().equals("<f4") || h.fortranOrder() || h.shape().length != 2) {
      throw new IOException(
          file
              + " is not a C-order float32 matrix (dtype "
              + h.descr()
              + ", shape "
              + java.util.Arrays.toString(h.shape())
              + ")");
    }
    if (h.shape()[0] != rows) {
      throw new IOException(file + " holds " + h.shape()[0] + " rows but its index lists " + rows);
    }
    long bytes = (long) h.shape()[0] * h.shape()[1] * 4;
    MappedByteBuffer mapped;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() < h.dataOffset() + bytes) {
        throw new IOException(
            file + " is truncated: " + ch.size() + " bytes, expected " + (h.dataOffset() + bytes));
      }
      mapped = ch.map(FileChannel.MapMode.READ_ONLY, h.dataOffset(), bytes);
    }
    return new Mapped(mapped.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(), h.shape()[1]);
  }

  private static Path file(Path dir, int c, String suffix) {
    return dir.resolve(String.format("chunk-%05d.%s", c, suffix));
  }
}
