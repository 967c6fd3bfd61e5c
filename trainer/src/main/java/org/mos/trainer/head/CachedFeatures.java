package org.mos.trainer.head;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mos.common.io.Npy;

/**
 * A complete feature cache (see {@link FeatureCache}), memory-mapped: the readable images' feature
 * rows in image order, read on demand, so a cache larger than the heap trains without loading it.
 */
public final class CachedFeatures {

  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\((\\d+),\\s*(\\d+)\\)");

  private final List<FloatBuffer> chunks;
  private final int[] chunkOf;
  private final int[] offsetOf;
  private final int[] images;
  private final int dim;

  private CachedFeatures(
      List<FloatBuffer> chunks, int[] chunkOf, int[] offsetOf, int[] images, int dim) {
    this.chunks = chunks;
    this.chunkOf = chunkOf;
    this.offsetOf = offsetOf;
    this.images = images;
    this.dim = dim;
  }

  /**
   * Opens the {@code chunkCount} complete chunks of the cache folder {@code dir} (see {@link
   * FeatureCache}), extracted from a list of {@code imageCount} images.
   */
  public static CachedFeatures open(Path dir, int chunkCount, int imageCount) throws IOException {
    List<FloatBuffer> buffers = new ArrayList<>();
    List<long[]> indices = new ArrayList<>();
    int dim = -1;
    int total = 0;
    for (int c = 0; c < chunkCount; c++) {
      long[] rows = Npy.read(FeatureCache.rowsFile(dir, c)).longs();
      Path file = FeatureCache.featuresFile(dir, c);
      MappedByteBuffer mapped;
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
      }
      int[] shape = new int[2];
      int offset = header(mapped, file, shape);
      if (shape[0] != rows.length) {
        throw new IOException(
            file + " holds " + shape[0] + " rows but its index lists " + rows.length);
      }
      if (rows.length > 0) {
        if (dim >= 0 && shape[1] != dim) {
          throw new IOException(file + " has " + shape[1] + " columns, earlier chunks " + dim);
        }
        dim = shape[1];
      }
      buffers.add(mapped.position(offset).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
      indices.add(rows);
      total += rows.length;
    }
    if (total == 0) {
      throw new IOException("no image of the " + imageCount + " could be read: no features");
    }
    int[] chunkOf = new int[total];
    int[] offsetOf = new int[total];
    int[] images = new int[total];
    int r = 0;
    for (int c = 0; c < indices.size(); c++) {
      long[] rows = indices.get(c);
      for (int i = 0; i < rows.length; i++, r++) {
        chunkOf[r] = c;
        offsetOf[r] = i * dim;
        images[r] = Math.toIntExact(rows[i]);
      }
    }
    return new CachedFeatures(buffers, chunkOf, offsetOf, images, dim);
  }

  /** Reads a v1/v2 .npy header of a float32 matrix; returns the data offset. */
  private static int header(MappedByteBuffer b, Path file, int[] shape) throws IOException {
    b.order(ByteOrder.LITTLE_ENDIAN);
    int major = b.get(6);
    int len = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
    int start = major == 1 ? 10 : 12;
    byte[] text = new byte[len];
    b.get(start, text);
    String dict = new String(text, StandardCharsets.ISO_8859_1);
    Matcher m = SHAPE.matcher(dict);
    if (!dict.contains("'<f4'") || !m.find()) {
      throw new IOException(file + " is not a float32 matrix: " + dict.trim());
    }
    shape[0] = Integer.parseInt(m.group(1));
    shape[1] = Integer.parseInt(m.group(2));
    return start + len;
  }

  /** Readable images (rows). */
  public int rows() {
    return images.length;
  }

  /** Feature length. */
  public int dim() {
    return dim;
  }

  /** The image index (in the list given to the extraction) of row {@code row}. */
  public int image(int row) {
    return images[row];
  }

  /** Copies the rows {@code rows} into {@code out}, one after the other. */
  public void gather(int[] rows, float[] out) {
    for (int i = 0; i < rows.length; i++) {
      int r = rows[i];
      chunks.get(chunkOf[r]).get(offsetOf[r], out, i * dim, dim);
    }
  }

  /** Row {@code row} (a copy). */
  public float[] row(int row) {
    float[] out = new float[dim];
    gather(new int[] {row}, out);
    return out;
  }
}
