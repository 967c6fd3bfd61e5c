package org.mos.trainer.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.weights.BitKeys;

/**
 * Weights from the two .npz formats: BiT's released files (keys {@code resnet/...}, HWIO kernels,
 * transposed here to OIHW) and the trainer's checkpoints ({@code param/resnet/...} already OIHW,
 * plus {@code step}; see {@code org.mos.trainer.train.Checkpoint}).
 */
public final class NpzWeights {

  /** Weights with the training step they were saved at (-1 when unknown). */
  public record Loaded(WeightMap weights, long step) {}

  private static final String TRAINER_PARAM = "param/";

  private NpzWeights() {}

  /** Reads BiT's {@code .npz} (e.g. BiT-S-R101x1.npz), transposing kernels to OIHW. */
  public static WeightMap readBit(Path npz) throws IOException {
    Map<String, WeightMap.Tensor> tensors = new LinkedHashMap<>();
    forEachArray(
        npz,
        (name, array) -> {
          if (name.startsWith(BitKeys.PREFIX)) {
            tensors.put(name, array.rank() == 4 ? hwioToOihw(array) : tensor(array));
          }
        });
    if (tensors.isEmpty()) {
      throw new IOException(
          npz + " holds no arrays under '" + BitKeys.PREFIX + "': not BiT weights");
    }
    return WeightMap.of(tensors);
  }

  /** Reads a trainer checkpoint (.npz with {@code param/<BiT key>} and {@code step}). */
  public static Loaded readTrainerCheckpoint(Path npz) throws IOException {
    Map<String, WeightMap.Tensor> tensors = new LinkedHashMap<>();
    long[] step = {-1};
    forEachArray(
        npz,
        (name, array) -> {
          if (name.startsWith(TRAINER_PARAM)) {
            tensors.put(name.substring(TRAINER_PARAM.length()), tensor(array));
          } else if (name.equals("step")) {
            step[0] = array.toInts()[0];
          }
        });
    if (tensors.isEmpty()) {
      throw new IOException(
          npz + " holds no 'param/...' arrays: not a trainer checkpoint (see the train command)");
    }
    return new Loaded(WeightMap.of(tensors), step[0]);
  }

  private interface ArrayConsumer {
    void accept(String name, NpyArray array) throws IOException;
  }

  private static void forEachArray(Path npz, ArrayConsumer consumer) throws IOException {
    if (!Files.isRegularFile(npz)) {
      throw new IOException(npz + ": no such file");
    }
    try (ZipFile zip = new ZipFile(npz.toFile())) {
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        String name = entry.getName();
        if (!name.endsWith(".npy")) {
          continue;
        }
        try (InputStream in = zip.getInputStream(entry)) {
          consumer.accept(name.substring(0, name.length() - 4), Npy.read(in));
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw new IOException(npz + " is not an .npz (zip) file: " + e.getMessage(), e);
    }
  }

  private static WeightMap.Tensor tensor(NpyArray array) {
    return new WeightMap.Tensor(array.shape(), array.toFloats());
  }

  private static WeightMap.Tensor hwioToOihw(NpyArray array) {
    int[] s = array.shape();
    int kh = s[0];
    int kw = s[1];
    int in = s[2];
    int out = s[3];
    float[] hwio = array.toFloats();
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
    return new WeightMap.Tensor(new int[] {out, in, kh, kw}, oihw);
  }
}
