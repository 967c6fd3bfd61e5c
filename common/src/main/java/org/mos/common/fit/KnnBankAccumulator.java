package org.mos.common.fit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import org.mos.common.io.Npy;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.KnnScore;

/**
 * Builds KNN's feature bank from a fit set streamed batch by batch: every row normalised as the
 * authors' {@code run_imagenet.py} does ({@code x / ||x|| + 1e-10}, {@link KnnScore#normalise}),
 * rounded to float32 and spilled to disk, then written as one float32 {@code .npy} ({@link
 * org.mos.common.score.KnnBank}). The heap holds one row at a time. Not thread-safe.
 */
public final class KnnBankAccumulator implements AutoCloseable {

  private final FeatureSpill spill;
  private final int dims;
  private final float[] row;

  /** An empty bank of {@code dims}-dimensional features, spilled in {@code tempDir}. */
  public KnnBankAccumulator(int dims, Path tempDir) throws IOException {
    this.spill = new FeatureSpill(tempDir, dims);
    this.dims = dims;
    this.row = new float[dims];
  }

  /** Adds a batch of penultimate features. */
  public void add(FloatMatrix features) {
    if (features.cols() != dims) {
      throw new IllegalArgumentException(
          "expected " + dims + "-dimensional features but got " + features.cols());
    }
    float[] v = features.toArray();
    for (int i = 0; i < features.rows(); i++) {
      double[] q = KnnScore.normalise(v, i * dims, dims);
      for (int j = 0; j < dims; j++) {
        row[j] = (float) q[j];
      }
      spill.append(row, 0);
    }
  }

  /** The width of a row. */
  public int dims() {
    return dims;
  }

  /** The rows added. */
  public long rows() {
    return spill.rows();
  }

  /**
   * Writes the bank as a float32 {@code .npy} (rows x D).
   *
   * @throws IllegalStateException when nothing was added or the bank has over 2^31 - 1 rows
   */
  public void writeNpy(OutputStream out) throws IOException {
    if (spill.rows() == 0 || spill.rows() > Integer.MAX_VALUE) {
      throw new IllegalStateException(
          "a KNN bank needs 1 to " + Integer.MAX_VALUE + " rows, got " + spill.rows());
    }
    Npy.writeHeader(out, "<f4", new int[] {(int) spill.rows(), dims});
    spill.copyTo(out);
  }

  @Override
  public void close() throws IOException {
    spill.close();
  }
}
