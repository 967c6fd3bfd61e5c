package org.mos.trainer.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.trainer.model.ResNetV2;

/**
 * Loads BiT's released {@code .npz} weights (a zip of {@code .npy} arrays, TensorFlow layout: HWIO
 * kernels) into an initialised {@link ResNetV2}, transposing kernels to OIHW.
 */
public final class BitNpzImporter {

  /** What to do with the classifier head. */
  public enum HeadPolicy {
    /** Zero the head, as BiT's finetuning starts (the file's head may be absent or any size). */
    ZERO,
    /** Copy the file's head; it must exist and match the model's class count. */
    KEEP
  }

  private BitNpzImporter() {}

  /**
   * Copies every parameter from {@code npz} into {@code model}, which must be initialised.
   *
   * @throws IllegalArgumentException naming the key that is missing or has the wrong shape
   */
  public static void load(Path npz, ResNetV2 model, HeadPolicy head) throws IOException {
    try (ZipFile zip = new ZipFile(npz.toFile())) {
      for (Map.Entry<String, Parameter> e : BitKeys.of(model).entrySet()) {
        String key = e.getKey();
        boolean isHead = key.equals(BitKeys.HEAD_KERNEL) || key.equals(BitKeys.HEAD_BIAS);
        NDArray target = e.getValue().getArray();
        if (isHead && head == HeadPolicy.ZERO) {
          target.set(FloatBuffer.wrap(new float[Math.toIntExact(target.size())]));
          continue;
        }
        ZipEntry entry = zip.getEntry(key + ".npy");
        if (entry == null) {
          throw new IllegalArgumentException(
              npz
                  + " has no array '"
                  + key
                  + "' (expected shape "
                  + Arrays.toString(expected(target))
                  + ")");
        }
        NpyArray array;
        try (InputStream in = zip.getInputStream(entry)) {
          array = Npy.read(in);
        }
        copy(npz, key, array, target);
      }
    }
  }

  private static void copy(Path npz, String key, NpyArray array, NDArray target) {
    int[] expected = expected(target);
    if (!Arrays.equals(array.shape(), expected)) {
      throw new IllegalArgumentException(
          npz
              + ": array '"
              + key
              + "' has shape "
              + Arrays.toString(array.shape())
              + " but the model needs "
              + Arrays.toString(expected));
    }
    float[] values = array.toFloats();
    if (expected.length == 4) {
      values = hwioToOihw(values, expected);
    }
    target.set(FloatBuffer.wrap(values));
  }

  /** The shape the file must hold for {@code target}: HWIO for kernels, as is otherwise. */
  private static int[] expected(NDArray target) {
    Shape s = target.getShape();
    if (s.dimension() == 4) {
      return new int[] {(int) s.get(2), (int) s.get(3), (int) s.get(1), (int) s.get(0)};
    }
    return Arrays.stream(s.getShape()).mapToInt(Math::toIntExact).toArray();
  }

  /** Reorders a kernel from TensorFlow's HWIO to PyTorch's OIHW. */
  static float[] hwioToOihw(float[] hwio, int[] hwioShape) {
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
