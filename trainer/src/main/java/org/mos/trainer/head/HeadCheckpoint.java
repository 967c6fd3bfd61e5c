package org.mos.trainer.head;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.mos.common.io.AtomicFiles;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.trainer.train.Checkpoint;
import org.mos.trainer.weights.Npz;

/**
 * A head-training checkpoint: an .npz (the finetuning {@link Checkpoint}'s names) holding {@code
 * step}, {@code param/weight}, {@code param/bias} and their {@code momentum/} buffers, written
 * atomically.
 */
public final class HeadCheckpoint {

  private HeadCheckpoint() {}

  /** Saves the trainer's head, momentum and step to {@code file}, atomically. */
  public static void save(Path file, HeadTrainer trainer) throws IOException {
    AtomicFiles.write(
        file,
        os -> {
          try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(os))) {
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(Checkpoint.STEP + ".npy"));
            ByteBuffer step = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            step.putLong(trainer.currentStep());
            Npy.write(zip, "<i8", new int[] {1}, step.array());
            zip.closeEntry();
            for (Map.Entry<String, Parameter> e : trainer.parameters().entrySet()) {
              put(zip, Checkpoint.PARAM + e.getKey(), e.getValue().getArray());
            }
            for (Map.Entry<String, NDArray> e : trainer.optimizer().buffers().entrySet()) {
              put(zip, Checkpoint.MOMENTUM + e.getKey(), e.getValue());
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

  /**
   * Restores head, momentum and step into a trainer set up like the one that saved; fails naming
   * the array that is missing or shaped differently (a checkpoint of another head).
   */
  public static void restore(Path file, HeadTrainer trainer) throws IOException {
    Map<String, NpyArray> saved = Npz.read(file);
    for (Map.Entry<String, Parameter> e : trainer.parameters().entrySet()) {
      NDArray target = e.getValue().getArray();
      NpyArray array = saved.get(Checkpoint.PARAM + e.getKey());
      if (array == null) {
        throw incomplete(file, Checkpoint.PARAM + e.getKey());
      }
      long[] shape = target.getShape().getShape();
      if (!Arrays.equals(Arrays.stream(array.shape()).asLongStream().toArray(), shape)) {
        throw new IllegalArgumentException(
            file
                + ": '"
                + e.getKey()
                + "' has shape "
                + Arrays.toString(array.shape())
                + " but this head needs "
                + Arrays.toString(shape)
                + " (a checkpoint of another head: use another --out, or drop --resume)");
      }
      target.set(FloatBuffer.wrap(array.toFloats()));
      NpyArray momentum = saved.get(Checkpoint.MOMENTUM + e.getKey());
      if (momentum != null) {
        trainer.optimizer().restore(e.getKey(), momentum.toFloats());
      }
    }
    NpyArray step = saved.get(Checkpoint.STEP);
    if (step == null) {
      throw incomplete(file, Checkpoint.STEP);
    }
    trainer.resumeAt(Math.toIntExact(step.longs() != null ? step.longs()[0] : step.toInts()[0]));
  }

  private static IllegalArgumentException incomplete(Path file, String name) {
    return new IllegalArgumentException(file + " is not a complete checkpoint: no '" + name + "'");
  }
}
