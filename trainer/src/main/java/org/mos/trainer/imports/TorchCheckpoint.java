package org.mos.trainer.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.imports.TorchPickle.StorageRef;
import org.mos.trainer.imports.TorchPickle.TensorRef;

/**
 * A checkpoint written by {@code torch.save} in its zip format (the default since PyTorch 1.6), as
 * the MOS paper released its finetuned models: a dict with {@code step}, {@code model} (a state
 * dict) and {@code optim}. Only the step and the state dict are read; the optimiser state is parsed
 * but its tensors are never loaded.
 *
 * <p>Layout of the zip: {@code <name>/data.pkl} (the pickle), {@code <name>/data/<key>} (one record
 * per storage, raw little-endian elements), optionally {@code <name>/byteorder}.
 */
public final class TorchCheckpoint {

  private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

  private final long step;
  private final Map<String, WeightMap.Tensor> state;

  private TorchCheckpoint(long step, Map<String, WeightMap.Tensor> state) {
    this.step = step;
    this.state = Collections.unmodifiableMap(state);
  }

  /** The training step stored under {@code step}, or -1 when the file has none. */
  public long step() {
    return step;
  }

  /** The state dict under {@code model}: name -> tensor (as float32, C order), in file order. */
  public Map<String, WeightMap.Tensor> state() {
    return state;
  }

  /**
   * Reads {@code file}.
   *
   * @throws IOException when the file cannot be read, is a legacy (non-zip) or TorchScript file, or
   *     lacks the {@code model} state dict
   */
  public static TorchCheckpoint read(Path file) throws IOException {
    checkZip(file);
    try (ZipFile zip = new ZipFile(file.toFile())) {
      String prefix = archivePrefix(zip, file);
      Object root;
      TorchPickle pickle = new TorchPickle();
      try (InputStream in = zip.getInputStream(zip.getEntry(prefix + "data.pkl"))) {
        root = pickle.load(in);
      } catch (net.razorvine.pickle.PickleException e) {
        throw new IOException(file + ": cannot read the pickle data.pkl: " + e.getMessage(), e);
      } finally {
        pickle.close();
      }
      if (!(root instanceof Map<?, ?> dict)) {
        throw new IOException(
            file + " holds a " + typeName(root) + ", expected a dict with 'model' (and 'step')");
      }
      Map<String, Object> top = TorchPickle.stringKeys(dict);
      Object model = top.get("model");
      if (!(model instanceof Map<?, ?> stateDict)) {
        throw new IOException(
            file
                + " has no state dict under 'model' (keys: "
                + top.keySet()
                + "); expected a checkpoint of the MOS paper's format");
      }
      long step = top.get("step") instanceof Number n ? n.longValue() : -1;
      ByteOrder order = byteOrder(zip, prefix);
      Map<String, ByteBuffer> storages = new HashMap<>();
      Map<String, WeightMap.Tensor> state = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : TorchPickle.stringKeys(stateDict).entrySet()) {
        if (!(e.getValue() instanceof TensorRef ref)) {
          throw new IOException(
              file
                  + ": state dict entry '"
                  + e.getKey()
                  + "' is a "
                  + typeName(e.getValue())
                  + ", not a tensor");
        }
        ByteBuffer storage = storages.get(ref.storage().key());
        if (storage == null) {
          storage = readStorage(zip, prefix, ref.storage(), order, file);
          storages.put(ref.storage().key(), storage);
        }
        state.put(e.getKey(), materialise(file, e.getKey(), ref, storage));
      }
      return new TorchCheckpoint(step, state);
    }
  }

  private static void checkZip(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such file");
    }
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      int n = in.readNBytes(head, 0, 4);
      if (n == 4 && Arrays.equals(head, ZIP_MAGIC)) {
        return;
      }
    }
    if ((head[0] & 0xFF) == 0x80) {
      throw new IOException(
          file
              + " is a legacy (pre-1.6, non-zip) PyTorch file, which is not supported: load it in"
              + " Python and save it again with torch.save(obj, path) from PyTorch >= 1.6");
    }
    throw new IOException(file + " is not a PyTorch checkpoint (expected a torch.save zip file)");
  }

  private static String archivePrefix(ZipFile zip, Path file) throws IOException {
    String prefix = null;
    for (var entries = zip.entries(); entries.hasMoreElements(); ) {
      String name = entries.nextElement().getName();
      if (name.endsWith("/constants.pkl")) {
        throw new IOException(
            file + " is a TorchScript archive (torch.jit.save), not a torch.save checkpoint");
      }
      if (name.endsWith("data.pkl") && (prefix == null || name.length() < prefix.length() + 8)) {
        prefix = name.substring(0, name.length() - "data.pkl".length());
      }
    }
    if (prefix == null) {
      throw new IOException(file + " is a zip file without data.pkl: not a torch.save checkpoint");
    }
    return prefix;
  }

  private static ByteOrder byteOrder(ZipFile zip, String prefix) throws IOException {
    ZipEntry entry = zip.getEntry(prefix + "byteorder");
    if (entry == null) {
      return ByteOrder.LITTLE_ENDIAN;
    }
    try (InputStream in = zip.getInputStream(entry)) {
      String order = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
      return "big".equals(order) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }
  }

  private static ByteBuffer readStorage(
      ZipFile zip, String prefix, StorageRef ref, ByteOrder order, Path file) throws IOException {
    ZipEntry entry = zip.getEntry(prefix + "data/" + ref.key());
    if (entry == null) {
      throw new IOException(file + " lacks the storage record data/" + ref.key());
    }
    try (InputStream in = zip.getInputStream(entry)) {
      return ByteBuffer.wrap(in.readAllBytes()).order(order);
    }
  }

  /** Copies a strided view of a storage into a C-order float array. */
  private static WeightMap.Tensor materialise(
      Path file, String name, TensorRef ref, ByteBuffer storage) throws IOException {
    TorchDtype dtype = ref.storage().dtype();
    if (dtype == TorchDtype.OTHER) {
      throw new IOException(
          file
              + ": tensor '"
              + name
              + "' is not floating point (float32, float64, float16, bfloat16)");
    }
    int[] size = ref.size();
    long[] stride = ref.stride();
    long count = 1;
    long last = ref.offset();
    for (int d = 0; d < size.length; d++) {
      count *= size[d];
      last += (long) (size[d] - 1) * stride[d];
    }
    long elements = storage.capacity() / dtype.bytes();
    if (count > 0 && (ref.offset() < 0 || last >= elements)) {
      throw new IOException(
          file
              + ": tensor '"
              + name
              + "' reaches element "
              + last
              + " of a storage of "
              + elements);
    }
    float[] values = new float[Math.toIntExact(count)];
    int[] index = new int[size.length];
    long at = ref.offset();
    for (int i = 0; i < values.length; i++) {
      values[i] = dtype.read(storage, at);
      // advance the multi-index in C order, keeping the storage position in step
      for (int d = size.length - 1; d >= 0; d--) {
        if (++index[d] < size[d]) {
          at += stride[d];
          break;
        }
        at -= (long) (size[d] - 1) * stride[d];
        index[d] = 0;
      }
    }
    return new WeightMap.Tensor(size, values);
  }

  private static String typeName(Object o) {
    return o == null ? "None" : o.getClass().getSimpleName();
  }
}
