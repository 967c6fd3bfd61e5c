package org.mos.evaluator.evaluate;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.inference.InferenceOptions;
import org.mos.evaluator.transport.InProcessTransport;

/** Opens {@code --bundle} paths as {@link InProcessTransport}s. */
public final class InProcessTransports implements TransportFactory {

  private final InferenceOptions options;
  private final int batchSize;
  private final int threads;
  private final int batchesInFlight;
  private final LongSupplier clock;

  /**
   * @param options device and ONNX Runtime threads
   * @param batchSize images per forward pass
   * @param threads decoding threads
   * @param batchesInFlight batches that may exist at once
   * @param clock nanosecond clock of the method timings
   */
  public InProcessTransports(
      InferenceOptions options,
      int batchSize,
      int threads,
      int batchesInFlight,
      LongSupplier clock) {
    this.options = options;
    this.batchSize = batchSize;
    this.threads = threads;
    this.batchesInFlight = batchesInFlight;
    this.clock = clock;
  }

  @Override
  public ScoringModel open(String name, String location) throws IOException {
    InProcessTransport t =
        InProcessTransport.open(
            Path.of(location), options, batchSize, threads, batchesInFlight, clock);
    BundleManifest m = t.bundle().manifest();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("architecture", m.architecture());
    details.put("input_size", m.inputSize());
    details.put("head", m.isGrouped() ? "group softmax " + m.groupSizes() : "flat softmax");
    details.put("device", t.model().device().id());
    Map<String, Object> fitted = new TreeMap<>();
    m.statistics().forEach((method, stats) -> fitted.put(method, sorted(stats.parameters())));
    if (!fitted.isEmpty()) {
      details.put("fitted", fitted);
    }
    if (!m.provenance().isEmpty()) {
      details.put("provenance", sorted(m.provenance()));
    }
    return ScoringModel.of(name, t.bundle().source().toString(), t, m, details);
  }

  /**
   * The manifest's maps with sorted keys, nested ones too: its maps are immutable copies whose
   * iteration order changes from one JVM to the next, and results.json must not.
   */
  static Object sorted(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new TreeMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), sorted(v)));
      return out;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(InProcessTransports::sorted).toList();
    }
    return value;
  }
}
