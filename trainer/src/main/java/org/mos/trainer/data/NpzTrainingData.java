package org.mos.trainer.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.trainer.train.InMemoryData;
import org.mos.trainer.train.TrainingData;

/**
 * Preprocessed training tensors in an .npz: {@code images} (N, 3, H, W) float and {@code labels}
 * (N) int for flat softmax or (N, K) int for group softmax. An interim input format until the
 * image-folder readers of {@code common} are wired in.
 */
public final class NpzTrainingData {

  private NpzTrainingData() {}

  /** Reads the whole file into memory. */
  public static TrainingData read(Path file) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      NpyArray images = array(zip, file, "images");
      NpyArray labels = array(zip, file, "labels");
      int[] shape = images.shape();
      if (shape.length != 4) {
        throw new IllegalArgumentException(
            file + ": 'images' has shape " + Arrays.toString(shape) + ", expected (N, C, H, W)");
      }
      int n = shape[0];
      int[] labelShape = labels.shape();
      if (labelShape.length < 1 || labelShape.length > 2 || labelShape[0] != n) {
        throw new IllegalArgumentException(
            file
                + ": 'labels' has shape "
                + Arrays.toString(labelShape)
                + ", expected ("
                + n
                + ") or ("
                + n
                + ", groups)");
      }
      int width = labelShape.length == 1 ? 1 : labelShape[1];
      float[] all = images.toFloats();
      int[] ints = labels.toInts();
      int size = shape[1] * shape[2] * shape[3];
      float[][] rows = new float[n][];
      int[][] labelRows = new int[n][];
      for (int i = 0; i < n; i++) {
        rows[i] = Arrays.copyOfRange(all, i * size, (i + 1) * size);
        labelRows[i] = Arrays.copyOfRange(ints, i * width, (i + 1) * width);
      }
      return new InMemoryData(rows, labelRows, shape[1], shape[2], shape[3]);
    }
  }

  private static NpyArray array(ZipFile zip, Path file, String name) throws IOException {
    ZipEntry entry = zip.getEntry(name + ".npy");
    if (entry == null) {
      throw new IllegalArgumentException(file + " has no array '" + name + "'");
    }
    try (InputStream in = zip.getInputStream(entry)) {
      return Npy.read(in);
    }
  }
}
