package org.mos.trainer.train;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Resolves the {@code --devices} setting into the devices a run trains on. {@code auto} (the
 * default) takes every GPU the PyTorch engine sees, else the CPU; {@code cpu}; {@code gpu} (every
 * GPU); or a list such as {@code gpu0,gpu1}. The CPU build of libtorch sees no GPU: then a GPU
 * request is answered with one log line and the CPU. Repeating {@code cpu} ({@code cpu,cpu}) makes
 * CPU replicas, which only serve to check the data-parallel path without a GPU.
 */
public final class TrainingDevices {

  private TrainingDevices() {}

  /**
   * @param spec the setting
   * @param gpuCount how many GPUs the engine sees
   * @param log receives the one line that says a GPU was wanted but the CPU is used
   * @return the devices, the first being where the model lives
   * @throws IllegalArgumentException for a malformed setting or a GPU the engine does not have
   */
  public static List<Device> resolve(String spec, int gpuCount, Consumer<String> log) {
    String value = spec == null ? "auto" : spec.strip().toLowerCase(Locale.ROOT);
    String noGpu =
        "no GPU visible to DJL's PyTorch engine (the CPU libtorch is installed, or no CUDA device;"
            + " see the GPU section of docs/trainer.md): training on the CPU";
    switch (value) {
      case "cpu":
        return List.of(Device.cpu());
      case "auto":
      case "gpu":
        if (gpuCount == 0) {
          if (value.equals("gpu")) {
            log.accept(noGpu);
          } else {
            log.accept("no GPU visible to DJL's PyTorch engine: training on the CPU");
          }
          return List.of(Device.cpu());
        }
        List<Device> all = new ArrayList<>();
        for (int i = 0; i < gpuCount; i++) {
          all.add(Device.gpu(i));
        }
        return all;
      default:
        return list(value, gpuCount, log, noGpu);
    }
  }

  private static List<Device> list(String value, int gpuCount, Consumer<String> log, String noGpu) {
    List<Device> devices = new ArrayList<>();
    boolean wantsGpu = false;
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.equals("cpu")) {
        devices.add(Device.cpu());
      } else if (p.matches("gpu:?[0-9]+")) {
        wantsGpu = true;
        int id = Integer.parseInt(p.replaceAll("[^0-9]", ""));
        if (gpuCount > 0 && id >= gpuCount) {
          throw new IllegalArgumentException(
              "devices: " + p + " asked for, but the engine sees " + gpuCount + " GPU(s)");
        }
        devices.add(Device.gpu(id));
      } else {
        throw new IllegalArgumentException(
            "devices: '" + p + "' is not cpu, gpu or gpuN (expected e.g. auto, cpu, gpu0,gpu1)");
      }
    }
    if (wantsGpu && gpuCount == 0) {
      log.accept(noGpu);
      return List.of(Device.cpu());
    }
    if (wantsGpu && devices.contains(Device.cpu())) {
      throw new IllegalArgumentException(
          "devices: '" + value + "' mixes the CPU with GPUs; use one kind");
    }
    if (wantsGpu && devices.stream().distinct().count() != devices.size()) {
      throw new IllegalArgumentException("devices: '" + value + "' names a GPU twice");
    }
    return List.copyOf(devices);
  }
}
