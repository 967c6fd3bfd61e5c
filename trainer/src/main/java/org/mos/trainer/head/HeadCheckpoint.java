package org.mos.trainer.head;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * A head-training checkpoint: an .npz with the finetuning {@link Checkpoint}'s names, {@code step},
 * {@code param/weight} (logits x dim), {@code param/bias} and their {@code momentum/} buffers,
 * written atomically.
 */
public final class HeadCheckpoint {

  /** The weight's name after {@link Checkpoint#PARAM} or {@link Checkpoint#MOMENTUM}. */
  public static final String WEIGHT = "weight";

  /** The bias' name after {@link Checkpoint#PARAM} or {@link Checkpoint#MOMENTUM}. */
  public static final String BIAS = "bias";

  private HeadCheckpoint() {}

  /** Saves the trainer's head, momentum and step to {@code file}, atomically. */
  public static void save(Path file, HeadTrainer trainer) throws IOException {
    int logits = trainer.bias().length;
    int dim = trainer.weight().length / logits;
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
            put(zip, Checkpoint.PARAM + WEIGHT, trainer.weight(), logits, dim);
            put(zip, Checkpoint.PARAM + BIAS, trainer.bias(), logits);
            put(zip, Checkpoint.MOMENTUM + WEIGHT, trainer.momentumWeight(), logits, dim);
            put(zip, Checkpoint.MOMENTUM + BIAS, trainer.momentumBias(), logits);
          }
        });
  }

  private static void put(ZipOutputStream zip, String name, float[] values, int... shape)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
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
    int logits = trainer.bias().length;
    int dim = trainer.weight().length / logits;
    copy(file, saved, Checkpoint.PARAM + WEIGHT, trainer.weight(), logits, dim);
    copy(file, saved, Checkpoint.PARAM + BIAS, trainer.bias(), logits);
    copy(file, saved, Checkpoint.MOMENTUM + WEIGHT, trainer.momentumWeight(), logits, dim);
    copy(file, saved, Checkpoint.MOMENTUM + BIAS, trainer.momentumBias(), logits);
    NpyArray step = saved.get(Checkpoint.STEP);
    if (step == null) {
      throw incomplete(file, Checkpoint.STEP);
    }
    trainer.resumeAt(Math.toIntExact(step.longs() != null ? step.longs()[0] : step.toInts()[0]));
  }

  private static void copy(
      Path file, Map<String, NpyArray> saved, String name, float[] target, int... shape) {
    NpyArray array = saved.get(name);
    if (array == null) {
      throw incomplete(file, name);
    }
    if (!Arrays.equals(array.shape(), shape)) {
      throw new IllegalArgumentException(
          file
              + ": '"
              + name
              + "' has shape "
              + Arrays.toString(array.shape())
              + " but this head needs "
              + Arrays.toString(shape)
              + " (a checkpoint of another head: use another --out, or drop --resume)");
    }
    System.arraycopy(array.toFloats(), 0, target, 0, target.length);
  }

  private static IllegalArgumentException incomplete(Path file, String name) {
    return new IllegalArgumentException(file + " is not a complete checkpoint: no '" + name + "'");
  }
}
