package org.mos.common.cache;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One output of a complete {@link ChunkCache}, memory-mapped: the readable images' rows in image
 * order, read on demand, so a cache larger than the heap is used without loading it (the trainer's
 * head training reads its features this way).
 */
public final class MappedOutput {

  private final List<FloatBuffer> chunks;
  private final int[] chunkOf;
  private final int[] offsetOf;
  private final int[] images;
  private final int dim;

  private MappedOutput(
      List<FloatBuffer> chunks, int[] chunkOf, int[] offsetOf, int[] images, int dim) {
    this.chunks = chunks;
    this.chunkOf = chunkOf;
    this.offsetOf = offsetOf;
    this.images = images;
    this.dim = dim;
  }

  /**
   * Maps {@code output} in the {@code chunkCount} complete chunks of the cache folder {@code dir},
   * extracted from a list of {@code imageCount} images.
   *
   * @throws IOException when a chunk's files disagree, or no image was readable
   */
  public static MappedOutput open(Path dir, int chunkCount, String output, int imageCount)
      throws IOException {
    List<FloatBuffer> buffers = new ArrayList<>();
    List<int[]> indices = new ArrayList<>();
    int dim = -1;
    int total = 0;
    for (int c = 0; c < chunkCount; c++) {
      int[] rows = ChunkFiles.readRows(dir, c);
      FloatBuffer data = FloatBuffer.allocate(0);
      if (rows.length > 0) {
        Path file = ChunkFiles.outputFile(dir, c, output);
        ChunkFiles.Mapped m = ChunkFiles.map(file, rows.length);
        if (dim >= 0 && m.cols() != dim) {
          throw new IOException(file + " has " + m.cols() + " columns, earlier chunks " + dim);
        }
        dim = m.cols();
        data = m.data();
      }
      buffers.add(data);
      indices.add(rows);
      total += rows.length;
    }
    if (total == 0) {
      throw new IOException("no image of the " + imageCount + " could be read: no " + output);
    }
    int[] chunkOf = new int[total];
    int[] offsetOf = new int[total];
    int[] images = new int[total];
    int r = 0;
    for (int c = 0; c < indices.size(); c++) {
      int[] rows = indices.get(c);
      for (int i = 0; i < rows.length; i++, r++) {
        chunkOf[r] = c;
        offsetOf[r] = i * dim;
        images[r] = rows[i];
      }
    }
    return new MappedOutput(buffers, chunkOf, offsetOf, images, dim);
  }

  /** Readable images (rows). */
  public int rows() {
    return images.length;
  }

  /** Row length. */
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
