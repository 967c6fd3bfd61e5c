package org.mos.common.inference;

import java.util.Objects;

/**
 * How a {@link BundleModel} runs its graph.
 *
 * @param device the wanted device
 * @param strictDevice when the wanted device is {@code cuda} and the CUDA execution provider is not
 *     available: refuse to open the model ({@code true}) or log one line and run on the CPU ({@code
 *     false})
 * @param intraOpThreads threads ONNX Runtime may use inside one operator; 0 lets ONNX Runtime
 *     choose
 */
public record InferenceOptions(Device device, boolean strictDevice, int intraOpThreads) {

  public InferenceOptions {
    Objects.requireNonNull(device, "device");
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException(
          "intra-op threads is " + intraOpThreads + "; expected 0 (automatic) or more");
    }
  }

  /** CPU, not strict, ONNX Runtime's own thread count. */
  public static InferenceOptions cpu() {
    return new InferenceOptions(Device.CPU, false, 0);
  }

  /** A copy with another intra-op thread count. */
  public InferenceOptions withIntraOpThreads(int threads) {
    return new InferenceOptions(device, strictDevice, threads);
  }
}
