package org.mos.common.fit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Float32 feature rows appended to a temporary file and read back in blocks: a fit that needs a
 * second pass over its fit set's features (ViM's alpha, after the eigenvectors are known) or that
 * stores them all (KNN's bank) holds them on disk, not on the heap. Not thread-safe; {@link
 * #close()} deletes the file.
 */
public final class FeatureSpill implements AutoCloseable {

  /** Receives one block of rows, row-major. */
  public interface BlockConsumer {
    void accept(float[] rows, int count);
  }

  private final Path file;
  private final int dims;
  private final OutputStream out;
  private final ByteBuffer row;
  private long rows;

  /** A spill of {@code dims}-wide rows in a new temporary file in {@code dir}. */
  public FeatureSpill(Path dir, int dims) throws IOException {
    if (dims < 1) {
      throw new IllegalArgumentException("features need at least 1 dimension, got " + dims);
    }
    Files.createDirectories(dir);
    this.file = Files.createTempFile(dir, "features-", ".f32");
    this.dims = dims;
    this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
    this.row = ByteBuffer.allocate(dims * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Appends one row of {@code dims} values from {@code values[from]}. */
  public void append(float[] values, int from) {
    row.clear();
    for (int j = 0; j < dims; j++) {
      row.putFloat(values[from + j]);
    }
    try {
      out.write(row.array());
    } catch (IOException e) {
      throw new UncheckedIOException("writing features to " + file + ": " + e.getMessage(), e);
    }
    rows++;
  }

  /** The rows appended. */
  public long rows() {
    return rows;
  }

  /** The width of a row. */
  public int dims() {
    return dims;
  }

  /** Flushes what was appended; call before reading. */
  public void flush() throws IOException {
    out.flush();
  }

  /** Reads all rows back in order, in blocks of at most {@code blockRows}. */
  public void forEachBlock(int blockRows, BlockConsumer consumer) throws IOException {
    flush();
    float[] block = new float[blockRows * dims];
    ByteBuffer bytes =
        ByteBuffer.allocateDirect(blockRows * dims * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long left = rows;
      while (left > 0) {
        int n = (int) Math.min(blockRows, left);
        bytes.clear().limit(n * dims * Float.BYTES);
        while (bytes.hasRemaining()) {
          if (ch.read(bytes) < 0) {
            throw new IOException(file + " ends early (changed while fitting?)");
          }
        }
        bytes.flip();
        bytes.asFloatBuffer().get(block, 0, n * dims);
        consumer.accept(block, n);
        left -= n;
      }
    }
  }

  /** Copies the raw little-endian float32 rows to {@code target} (after a {@code .npy} header). */
  public void copyTo(OutputStream target) throws IOException {
    flush();
    Files.copy(file, target);
  }

  @Override
  public void close() throws IOException {
    try {
      out.close();
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
