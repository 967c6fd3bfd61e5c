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
 * @param cpuArena whether ONNX Runtime's CPU memory arena serves the session's allocations (its
 *     default; the arena keeps what it has grown to)
 * @param memoryPattern whether ONNX Runtime plans and caches the memory layout of each input shape
 *     it sees (its default; with varying batch sizes it keeps one plan per batch size)
 * @param spinning whether ONNX Runtime's intra-op threads busy-wait for the next work after a run
 *     (its default; lowest latency for back-to-back runs on otherwise idle cores, but the spinning
 *     takes CPU from request threads and other sessions on the same cores)
 */
public record InferenceOptions(
    Device device,
    boolean strictDevice,
    int intraOpThreads,
    boolean cpuArena,
    boolean memoryPattern,
    boolean spinning) {

  /** ONNX Runtime's own memory and threading settings (arena, memory patterns, spinning on). */
  public InferenceOptions(Device device, boolean strictDevice, int intraOpThreads) {
    this(device, strictDevice, intraOpThreads, true, true, true);
  }

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
    return new InferenceOptions(device, strictDevice, threads, cpuArena, memoryPattern, spinning);
  }

  /** A copy with other ONNX Runtime memory settings (see the record's parameters). */
  public InferenceOptions withMemory(boolean arena, boolean pattern) {
    return new InferenceOptions(device, strictDevice, intraOpThreads, arena, pattern, spinning);
  }

  /** A copy in which the intra-op threads do ({@code true}) or do not busy-wait between runs. */
  public InferenceOptions withSpinning(boolean spin) {
    return new InferenceOptions(
        device, strictDevice, intraOpThreads, cpuArena, memoryPattern, spin);
  }

  /** ONNX Runtime's session configuration key for {@link #spinning()}. */
  static final String SPINNING_KEY = "session.intra_op.allow_spinning";
}
