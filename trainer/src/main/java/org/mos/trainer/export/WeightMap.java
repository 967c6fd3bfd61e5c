package org.mos.trainer.export;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.BitKeys;

/**
 * The parameters of a ResNetV2 by BiT key ({@link BitKeys}), in the DJL model's layout: OIHW
 * kernels before weight standardisation, vectors as they are. Every source of weights (a DJL model,
 * a trainer checkpoint, BiT's .npz, the paper's PyTorch checkpoints) becomes one of these before
 * the ONNX export, so the exporter has one input format. Immutable.
 */
public final class WeightMap {

  /** One parameter: its shape and its values in C order. */
  public record Tensor(int[] shape, float[] values) {
    public Tensor {
      shape = shape.clone();
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      if (n != values.length) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
      }
    }

    @Override
    public int[] shape() {
      return shape.clone();
    }
  }

  private final Map<String, Tensor> tensors;

  private WeightMap(Map<String, Tensor> tensors) {
    this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
  }

  /** A weight map of the given tensors (by BiT key, OIHW kernels). */
  public static WeightMap of(Map<String, Tensor> tensors) {
    return new WeightMap(tensors);
  }

  /** A copy of an initialised DJL model's parameters. */
  public static WeightMap of(ResNetV2 model) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : BitKeys.of(model).entrySet()) {
      NDArray a = e.getValue().getArray();
      int[] shape = Arrays.stream(a.getShape().getShape()).mapToInt(Math::toIntExact).toArray();
      tensors.put(e.getKey(), new Tensor(shape, a.toFloatArray()));
    }
    return new WeightMap(tensors);
  }

  public Set<String> keys() {
    return tensors.keySet();
  }

  public boolean contains(String key) {
    return tensors.containsKey(key);
  }

  /**
   * The tensor under {@code key}.
   *
   * @throws IllegalArgumentException naming the key when it is absent
   */
  public Tensor get(String key) {
    Tensor t = tensors.get(key);
    if (t == null) {
      throw new IllegalArgumentException("the weights have no parameter '" + key + "'");
    }
    return t;
  }
}
