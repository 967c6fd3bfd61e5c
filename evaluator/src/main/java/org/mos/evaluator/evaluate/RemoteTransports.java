package org.mos.evaluator.evaluate;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.evaluator.transport.ScoringTransport;

/**
 * Opens {@code --bundle NAME=PATH} models that are scored elsewhere: over gRPC by a running scorer,
 * through the messaging channels, or by scorers consuming a Kafka topic. The local bundle supplies
 * what the evaluator needs to label and report (class names, group layout, fitted statistics);
 * {@code NAME} is the model's name on the scorer. The scorer must serve exactly that bundle: its
 * checksum is compared with the local one, so stored scores always belong to the model named in the
 * report.
 */
public final class RemoteTransports implements TransportFactory {

  /** Connects a transport to the model {@code name} whose local bundle is {@code bundle}. */
  @FunctionalInterface
  public interface Connector {
    ScoringTransport connect(String name, Path bundle) throws IOException;
  }

  private final String where;
  private final Connector connector;

  /**
   * @param where the scorer's address or the transport's description, for the report
   * @param connector opens the transport for one model
   */
  public RemoteTransports(String where, Connector connector) {
    this.where = where;
    this.connector = connector;
  }

  @Override
  public ScoringModel open(String name, String location) throws IOException {
    Path path = Path.of(location);
    BundleManifest m;
    String checksum;
    try (ModelBundle bundle = ModelBundle.open(path)) {
      m = bundle.manifest();
      checksum = bundle.checksum();
    }
    ScoringTransport t = connector.connect(name, path);
    if (!checksum.equals(t.modelChecksum())) {
      t.close();
      throw new IllegalArgumentException(
          "the scorer at "
              + where
              + " serves model '"
              + name
              + "' with checksum "
              + t.modelChecksum()
              + ", but the local bundle "
              + location
              + " has "
              + checksum
              + ": give --bundle the bundle the scorer serves");
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("architecture", m.architecture());
    details.put("input_size", m.inputSize());
    details.put("head", m.isGrouped() ? "group softmax " + m.groupSizes() : "flat softmax");
    details.put("scored_by", t.name() + " " + where);
    Map<String, Object> fitted = new TreeMap<>();
    m.statistics()
        .forEach(
            (method, stats) -> fitted.put(method, InProcessTransports.sorted(stats.parameters())));
    if (!fitted.isEmpty()) {
      details.put("fitted", fitted);
    }
    return ScoringModel.of(name, where + " (" + t.name() + ")", t, m, details);
  }
}
