package org.mos.trainer.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
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
    Map<String, NpyArray> arrays = Npz.read(npz);
    for (Map.Entry<String, Parameter> e : BitKeys.of(model).entrySet()) {
      String key = e.getKey();
      boolean isHead = key.equals(BitKeys.HEAD_KERNEL) || key.equals(BitKeys.HEAD_BIAS);
      NDArray target = e.getValue().getArray();
      if (isHead && head == HeadPolicy.ZERO) {
        target.set(FloatBuffer.wrap(new float[Math.toIntExact(target.size())]));
        continue;
      }
      NpyArray array = arrays.get(key);
      if (array == null) {
        throw new IllegalArgumentException(
            npz
                + " has no array '"
                + key
                + "' (expected shape "
                + Arrays.toString(expected(target))
                + ")");
      }
      copy(npz, key, array, target);
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
      values = Npz.hwioToOihw(values, expected);
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
}
