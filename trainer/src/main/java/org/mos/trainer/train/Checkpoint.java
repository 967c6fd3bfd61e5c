package org.mos.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.mos.common.io.AtomicFiles;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.trainer.weights.BitKeys;
import org.mos.trainer.weights.Npz;

/**
 * A finetuning checkpoint: an .npz holding {@code step} (int64), every model parameter as {@code
 * param/<BiT key>} in the model's own layout (OIHW kernels, unlike BiT's files) and every momentum
 * buffer as {@code momentum/<BiT key>}. Written to a temporary file and moved into place, so a run
 * killed while saving leaves the previous checkpoint intact.
 */
public final class Checkpoint {

  /** The checkpoint's step array (int64, one value). */
  public static final String STEP = "step";

  /** Prefix of the parameters' arrays: {@code param/<BiT key>}. */
  public static final String PARAM = "param/";

  /** Prefix of the momentum buffers' arrays: {@code momentum/<BiT key>}. */
  public static final String MOMENTUM = "momentum/";

  /**
   * What a checkpoint holds.
   *
   * @param parameters by BiT key, OIHW kernels
   * @param momentum buffers by BiT key (only the parameters that train)
   * @param step steps done, -1 when the file has no step
   */
  public record Contents(
      Map<String, NpyArray> parameters, Map<String, NpyArray> momentum, long step) {}

  private Checkpoint() {}

  /** Saves the finetuner's model, momentum and step to {@code file}, atomically. */
  public static void save(Path file, Finetuner finetuner) throws IOException {
    AtomicFiles.write(
        file,
        os -> {
          try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(os))) {
            // float weights barely compress; storing them keeps saving fast
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(STEP + ".npy"));
            ByteBuffer step = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            step.putLong(finetuner.currentStep());
            Npy.write(zip, "<i8", new int[] {1}, step.array());
            zip.closeEntry();
            for (Map.Entry<String, Parameter> e : BitKeys.of(finetuner.model()).entrySet()) {
              put(zip, PARAM + e.getKey(), e.getValue().getArray());
            }
            for (Map.Entry<String, NDArray> e : finetuner.optimizer().buffers().entrySet()) {
              put(zip, MOMENTUM + e.getKey(), e.getValue());
            }
          }
        });
  }

  private static void put(ZipOutputStream zip, String name, NDArray array) throws IOException {
    float[] values = array.toFloatArray();
    ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    int[] shape = Arrays.stream(array.getShape().getShape()).mapToInt(Math::toIntExact).toArray();
    zip.putNextEntry(new ZipEntry(name + ".npy"));
    Npy.write(zip, "<f4", shape, buf.array());
    zip.closeEntry();
  }

  /** Reads a checkpoint file. */
  public static Contents read(Path file) throws IOException {
    Map<String, NpyArray> parameters = new LinkedHashMap<>();
    Map<String, NpyArray> momentum = new LinkedHashMap<>();
    long step = -1;
    for (Map.Entry<String, NpyArray> e : Npz.read(file).entrySet()) {
      String name = e.getKey();
      if (name.startsWith(PARAM)) {
        parameters.put(name.substring(PARAM.length()), e.getValue());
      } else if (name.startsWith(MOMENTUM)) {
        momentum.put(name.substring(MOMENTUM.length()), e.getValue());
      } else if (name.equals(STEP)) {
        step = e.getValue().longs() != null ? e.getValue().longs()[0] : e.getValue().toInts()[0];
      }
    }
    return new Contents(parameters, momentum, step);
  }

  /**
   * Restores model parameters, momentum buffers and step into a finetuner set up like the one that
   * saved; fails naming the first parameter that is missing or shaped differently.
   */
  public static void restore(Path file, Finetuner finetuner) throws IOException {
    Contents saved = read(file);
    for (Map.Entry<String, Parameter> e : BitKeys.of(finetuner.model()).entrySet()) {
      NDArray target = e.getValue().getArray();
      NpyArray array = saved.parameters().get(e.getKey());
      if (array == null) {
        throw incomplete(file, PARAM + e.getKey());
      }
      long[] shape = target.getShape().getShape();
      if (!Arrays.equals(Arrays.stream(array.shape()).asLongStream().toArray(), shape)) {
        throw new IllegalArgumentException(
            file
                + ": parameter '"
                + e.getKey()
                + "' has shape "
                + Arrays.toString(array.shape())
                + ", the model needs "
                + Arrays.toString(shape));
      }
      target.set(FloatBuffer.wrap(array.toFloats()));
      NpyArray momentum = saved.momentum().get(e.getKey());
      if (momentum != null) {
        finetuner.optimizer().restore(e.getKey(), momentum.toFloats());
      }
    }
    if (saved.step() < 0) {
      throw incomplete(file, STEP);
    }
    finetuner.parametersOverwritten();
    finetuner.resumeAt(Math.toIntExact(saved.step()));
  }

  private static IllegalArgumentException incomplete(Path file, String name) {
    return new IllegalArgumentException(file + " is not a complete checkpoint: no '" + name + "'");
  }
}
