package org.mos.trainer.imports;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * The pickle inside a {@code torch.save} zip, read with razorvine's unpickler: tensors become
 * {@link TensorRef}s (storage, offset, size, stride; no data is read here), storages are resolved
 * through persistent ids to the zip's {@code data/<key>} records, ordered dicts become {@link
 * LinkedHashMap}s.
 */
final class TorchPickle extends Unpickler {

  /** A storage of the zip: {@code data/<key>} with elements of {@code dtype}. */
  record StorageRef(String key, TorchDtype dtype) {}

  /** A tensor: a strided view of a storage. */
  record TensorRef(StorageRef storage, long offset, int[] size, long[] stride) {}

  /** The marker a storage class ({@code torch.FloatStorage}, ...) unpickles to. */
  private record StorageType(TorchDtype dtype) implements IObjectConstructor {
    @Override
    public Object construct(Object[] args) {
      throw new PickleException("storage classes are not constructed in torch.save files");
    }
  }

  /** {@code collections.OrderedDict}, which state dicts are; BUILD sets its {@code _metadata}. */
  public static final class OrderedDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    /** Called by the unpickler's BUILD; the attributes (module metadata) are not needed. */
    public void __setstate__(HashMap<?, ?> state) {
      // state holds _metadata (versions of submodules); weights do not depend on it
    }
  }

  static {
    for (String name :
        new String[] {
          "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage",
          "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage"
        }) {
      registerConstructor("torch", name, new StorageType(TorchDtype.ofStorage(name)));
    }
    registerConstructor("collections", "OrderedDict", TorchPickle::orderedDict);
    registerConstructor("torch._utils", "_rebuild_tensor_v2", TorchPickle::rebuildTensor);
    // a Parameter pickles as _rebuild_parameter(tensor, requires_grad, hooks)
    registerConstructor("torch._utils", "_rebuild_parameter", args -> args[0]);
  }

  @Override
  protected Object persistentLoad(Object pid) {
    if (pid instanceof Object[] t
        && t.length >= 3
        && "storage".equals(t[0])
        && t[1] instanceof StorageType type) {
      return new StorageRef(String.valueOf(t[2]), type.dtype());
    }
    throw new PickleException("unexpected persistent id in a torch.save file: " + describe(pid));
  }

  private static Object orderedDict(Object[] args) {
    OrderedDict dict = new OrderedDict();
    if (args.length == 1 && args[0] instanceof Iterable<?> pairs) {
      for (Object pair : pairs) {
        Object[] kv = pair instanceof Object[] a ? a : ((java.util.List<?>) pair).toArray();
        dict.put(kv[0], kv[1]);
      }
    }
    return dict;
  }

  /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)}. */
  private static Object rebuildTensor(Object[] args) {
    if (args.length < 4 || !(args[0] instanceof StorageRef storage)) {
      throw new PickleException("unexpected arguments to _rebuild_tensor_v2: " + describe(args));
    }
    Object[] size = (Object[]) args[2];
    Object[] stride = (Object[]) args[3];
    int[] shape = new int[size.length];
    long[] strides = new long[stride.length];
    for (int i = 0; i < size.length; i++) {
      shape[i] = Math.toIntExact(((Number) size[i]).longValue());
      strides[i] = ((Number) stride[i]).longValue();
    }
    return new TensorRef(storage, ((Number) args[1]).longValue(), shape, strides);
  }

  private static String describe(Object o) {
    return o instanceof Object[] a ? java.util.Arrays.deepToString(a) : String.valueOf(o);
  }

  static Map<String, Object> stringKeys(Map<?, ?> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }
}
