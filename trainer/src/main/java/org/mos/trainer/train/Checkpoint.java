package org.mos.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.mos.common.io.AtomicFiles;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.trainer.weights.BitKeys;

/**
 * A finetuning checkpoint: an .npz holding {@code step} (int64), every model parameter as {@code
 * param/<BiT key>} in the model's own layout (OIHW kernels, unlike BiT's files) and every momentum
 * buffer as {@code momentum/<BiT key>}. Written to a temporary file and moved into place, so a run
 * killed while saving leaves the previous checkpoint intact.
 */
public final class Checkpoint {

  private static final String STEP = "step.npy";
  private static final String PARAM = "param/";
  private static final String MOMENTUM = "momentum/";

  private Checkpoint() {}

  /** Saves the finetuner's model, momentum and step to {@code file}, atomically. */
  public static void save(Path file, Finetuner finetuner) throws IOException {
    AtomicFiles.write(
        file,
        os -> {
          try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(os))) {
            // float weights barely compress; storing them keeps saving fast
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(STEP));
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

  /**
   * Restores model parameters, momentum buffers and step into a finetuner set up like the one that
   * saved; fails naming the first parameter that is missing or shaped differently.
   */
  public static void restore(Path file, Finetuner finetuner) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (Map.Entry<String, Parameter> e : BitKeys.of(finetuner.model()).entrySet()) {
        NDArray target = e.getValue().getArray();
        NpyArray saved = read(zip, PARAM + e.getKey(), file);
        long[] shape = target.getShape().getShape();
        if (!Arrays.equals(Arrays.stream(saved.shape()).asLongStream().toArray(), shape)) {
          throw new IllegalArgumentException(
              file
                  + ": parameter '"
                  + e.getKey()
                  + "' has shape "
                  + Arrays.toString(saved.shape())
                  + ", the model needs "
                  + Arrays.toString(shape));
        }
        target.set(FloatBuffer.wrap(saved.toFloats()));
        ZipEntry momentum = zip.getEntry(MOMENTUM + e.getKey() + ".npy");
        if (momentum != null) {
          finetuner
              .optimizer()
              .restore(e.getKey(), read(zip, MOMENTUM + e.getKey(), file).toFloats());
        }
      }
      finetuner.parametersOverwritten();
      finetuner.resumeAt(Math.toIntExact(read(zip, "step", file).toInts()[0]));
    }
  }

  private static NpyArray read(ZipFile zip, String name, Path file) throws IOException {
    ZipEntry entry = zip.getEntry(name + ".npy");
    if (entry == null) {
      throw new IllegalArgumentException(file + " is not a complete checkpoint: no '" + name + "'");
    }
    try (InputStream in = zip.getInputStream(entry)) {
      return Npy.read(in);
    }
  }
}
