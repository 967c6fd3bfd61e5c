package org.mos.common.score;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.mos.common.io.Npy;

/**
 * KNN's feature bank: the L2-normalised penultimate features of an ID fit set, a float32 {@code
 * .npy} file (rows x D, C order) that is memory-mapped, not read onto the heap (ImageNet's full
 * train set is 9.8 GiB). The page cache holds it; the heap holds only the squared norm of each row
 * (8 bytes a row). Immutable and thread-safe.
 */
public final class KnnBank {

  /** Rows per mapped region: whole rows, at most 1 GiB, as one mapping is limited to 2 GiB. */
  private static final long REGION_BYTES = 1L << 30;

  private final Path file;
  private final int rows;
  private final int dims;
  private final int regionRows;
  private final MappedByteBuffer[] regions;
  private final double[] squaredNorms;

  private KnnBank(Path file, int rows, int dims, MappedByteBuffer[] regions, int regionRows) {
    this.file = file;
    this.rows = rows;
    this.dims = dims;
    this.regions = regions;
    this.regionRows = regionRows;
    this.squaredNorms = new double[rows];
    float[] block = new float[Math.min(rows, regionRows) * dims];
    for (int r0 = 0; r0 < rows; r0 += regionRows) {
      int n = Math.min(regionRows, rows - r0);
      copyRows(r0, n, block);
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = i * dims, end = j + dims; j < end; j++) {
          s += (double) block[j] * block[j];
        }
        squaredNorms[r0 + i] = s;
      }
    }
  }

  /**
   * Maps a bank file.
   *
   * @throws IOException naming the file when it is not a 2-D little-endian float32 C-order {@code
   *     .npy} of the size its header says
   */
  public static KnnBank open(Path file) throws IOException {
    Npy.Header h = Npy.readHeader(file);
    if (!h.descr().equals("<f4") || h.shape().length != 2 || h.fortranOrder()) {
      throw new IOException(
          file
              + ": a KNN bank must be a 2-D little-endian float32 C-order .npy, but it is "
              + h.descr()
              + (h.fortranOrder() ? " Fortran-order" : "")
              + " of shape "
              + Arrays.toString(h.shape())
              + " (refit with mos fit --knn-fit)");
    }
    int rows = h.shape()[0];
    int dims = h.shape()[1];
    if (rows < 1 || dims < 1) {
      throw new IOException(file + ": the KNN bank is empty, shape " + Arrays.toString(h.shape()));
    }
    long size = Files.size(file);
    long expected = h.dataOffset() + (long) rows * dims * Float.BYTES;
    if (size != expected) {
      throw new IOException(
          file
              + ": the KNN bank has "
              + size
              + " bytes but its header needs "
              + expected
              + " (truncated?)");
    }
    int regionRows = (int) Math.max(1, Math.min(rows, REGION_BYTES / ((long) dims * Float.BYTES)));
    int count = (rows + regionRows - 1) / regionRows;
    MappedByteBuffer[] regions = new MappedByteBuffer[count];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (int k = 0; k < count; k++) {
        long first = (long) k * regionRows;
        int n = (int) Math.min(regionRows, rows - first);
        long offset = h.dataOffset() + first * dims * Float.BYTES;
        regions[k] = ch.map(FileChannel.MapMode.READ_ONLY, offset, (long) n * dims * Float.BYTES);
        regions[k].order(ByteOrder.LITTLE_ENDIAN);
      }
    }
    return new KnnBank(file, rows, dims, regions, regionRows);
  }

  /** The bank file. */
  public Path file() {
    return file;
  }

  /** The number of feature rows. */
  public int rows() {
    return rows;
  }

  /** D, the feature dimension. */
  public int dims() {
    return dims;
  }

  /** The squared L2 norm of a row. */
  public double squaredNorm(int row) {
    return squaredNorms[row];
  }

  /** Rows that {@link #copyRows} can copy in one call without crossing a mapped region. */
  int regionRows() {
    return regionRows;
  }

  /**
   * Copies rows {@code [first, first + count)} into {@code dst} (row-major). The rows must lie in
   * one mapped region: {@code first / regionRows() == (first + count - 1) / regionRows()}.
   */
  void copyRows(int first, int count, float[] dst) {
    int k = first / regionRows;
    int within = first - k * regionRows;
    FloatBuffer fb = regions[k].duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    fb.position(within * dims);
    fb.get(dst, 0, count * dims);
  }

  /** A copy of one row. */
  public float[] row(int row) {
    if (row < 0 || row >= rows) {
      throw new IndexOutOfBoundsException("row " + row + " of a bank of " + rows);
    }
    float[] out = new float[dims];
    copyRows(row, 1, out);
    return out;
  }
}
