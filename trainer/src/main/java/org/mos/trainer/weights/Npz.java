package org.mos.trainer.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;

/**
 * The one reader of {@code .npz} files in the trainer (BiT's released weights and the trainer's
 * checkpoints), and the one conversion of BiT's TensorFlow kernels (HWIO) to the model's OIHW.
 */
public final class Npz {

  private Npz() {}

  /**
   * Every array of {@code npz} by its name without {@code .npy}, in file order.
   *
   * @throws IOException naming the file when it is missing or not a zip
   */
  public static Map<String, NpyArray> read(Path npz) throws IOException {
    if (!Files.isRegularFile(npz)) {
      throw new IOException(npz + ": no such file");
    }
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(npz.toFile())) {
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        String name = entry.getName();
        if (!name.endsWith(".npy")) {
          continue;
        }
        try (InputStream in = zip.getInputStream(entry)) {
          arrays.put(name.substring(0, name.length() - 4), Npy.read(in));
        }
      }
    } catch (ZipException e) {
      throw new IOException(npz + " is not an .npz (zip) file: " + e.getMessage(), e);
    }
    return arrays;
  }

  /** The OIHW shape of a kernel stored as HWIO. */
  public static int[] oihwShape(int[] hwio) {
    return new int[] {hwio[3], hwio[2], hwio[0], hwio[1]};
  }

  /** Reorders a kernel from TensorFlow's HWIO to PyTorch's OIHW. */
  public static float[] hwioToOihw(float[] hwio, int[] hwioShape) {
    int kh = hwioShape[0];
    int kw = hwioShape[1];
    int in = hwioShape[2];
    int out = hwioShape[3];
    float[] oihw = new float[hwio.length];
    int src = 0;
    for (int h = 0; h < kh; h++) {
      for (int w = 0; w < kw; w++) {
        for (int i = 0; i < in; i++) {
          for (int o = 0; o < out; o++) {
            oihw[((o * in + i) * kh + h) * kw + w] = hwio[src++];
          }
        }
      }
    }
    return oihw;
  }
}
