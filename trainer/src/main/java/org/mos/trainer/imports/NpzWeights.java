package org.mos.trainer.imports;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mos.common.io.NpyArray;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.train.Checkpoint;
import org.mos.trainer.weights.BitKeys;
import org.mos.trainer.weights.Npz;

/**
 * Weights from the two .npz formats, both read by {@link Npz}: BiT's released files (keys {@code
 * resnet/...}, HWIO kernels, transposed here to OIHW) and the trainer's checkpoints (see {@link
 * Checkpoint}: parameters already OIHW, plus the step).
 */
public final class NpzWeights {

  /** Weights with the training step they were saved at (-1 when unknown). */
  public record Loaded(WeightMap weights, long step) {}

  private NpzWeights() {}

  /** Reads BiT's {@code .npz} (e.g. BiT-S-R101x1.npz), transposing kernels to OIHW. */
  public static WeightMap readBit(Path npz) throws IOException {
    Map<String, WeightMap.Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, NpyArray> e : Npz.read(npz).entrySet()) {
      NpyArray array = e.getValue();
      if (!e.getKey().startsWith(BitKeys.PREFIX)) {
        continue;
      }
      tensors.put(
          e.getKey(),
          array.rank() == 4
              ? new WeightMap.Tensor(
                  Npz.oihwShape(array.shape()), Npz.hwioToOihw(array.toFloats(), array.shape()))
              : new WeightMap.Tensor(array.shape(), array.toFloats()));
    }
    if (tensors.isEmpty()) {
      throw new IOException(
          npz + " holds no arrays under '" + BitKeys.PREFIX + "': not BiT weights");
    }
    return WeightMap.of(tensors);
  }

  /** Reads a trainer checkpoint (see {@link Checkpoint}). */
  public static Loaded readTrainerCheckpoint(Path npz) throws IOException {
    Map<String, WeightMap.Tensor> tensors = new LinkedHashMap<>();
    Checkpoint.Contents saved = Checkpoint.read(npz);
    saved
        .parameters()
        .forEach((k, a) -> tensors.put(k, new WeightMap.Tensor(a.shape(), a.toFloats())));
    if (tensors.isEmpty()) {
      throw new IOException(
          npz + " holds no 'param/...' arrays: not a trainer checkpoint (see the train command)");
    }
    return new Loaded(WeightMap.of(tensors), saved.step());
  }
}
