package org.mos.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SGD with momentum as PyTorch runs it for BiT (momentum 0.9, no dampening, no weight decay):
 * {@code buf = momentum * buf + grad; w -= lr * buf}, the buffer starting at zero. Only parameters
 * that require gradients are touched. The buffers are kept by parameter name for checkpoints.
 */
public final class SgdMomentum implements AutoCloseable {

  public static final double BIT_MOMENTUM = 0.9;

  private final Map<String, Parameter> parameters;
  private final double momentum;
  private final NDManager manager;
  private final Map<String, NDArray> buffers = new LinkedHashMap<>();

  /**
   * @param parameters the model's parameters by stable name
   * @param manager parent manager for the momentum buffers
   */
  public SgdMomentum(Map<String, Parameter> parameters, double momentum, NDManager manager) {
    this.parameters = new LinkedHashMap<>(parameters);
    this.momentum = momentum;
    this.manager = manager.newSubManager();
  }

  /** Applies one update with {@code learningRate}, then zeroes the gradients. */
  public void step(double learningRate) {
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      NDArray weight = e.getValue().getArray();
      if (!weight.hasGradient()) {
        continue;
      }
      try (NDArray grad = weight.getGradient()) {
        NDArray buf =
            buffers.computeIfAbsent(
                e.getKey(),
                k -> {
                  NDArray zeros = manager.zeros(weight.getShape(), weight.getDataType());
                  zeros.setName(k);
                  return zeros;
                });
        buf.muli((float) momentum).addi(grad);
        try (NDArray delta = buf.mul((float) learningRate)) {
          weight.subi(delta);
        }
        grad.subi(grad);
      }
    }
  }

  /** The momentum buffers by parameter name (live arrays; copy before keeping). */
  public Map<String, NDArray> buffers() {
    return java.util.Collections.unmodifiableMap(buffers);
  }

  /** Replaces the buffer of {@code name}, for resuming from a checkpoint. */
  public void restore(String name, float[] values) {
    Parameter p = parameters.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no parameter named '" + name + "' to restore");
    }
    NDArray old = buffers.remove(name);
    if (old != null) {
      old.close();
    }
    NDArray buf = manager.create(values, p.getArray().getShape());
    buf.setName(name);
    buffers.put(name, buf);
  }

  @Override
  public void close() {
    manager.close();
  }
}
