package org.mos.evaluator.evaluate;

import java.io.IOException;

/**
 * Where an evaluation run's models come from: the one place that decides the transport. {@code mos
 * evaluate} uses {@link InProcessTransports} for {@code --bundle} paths; a remote transport (a gRPC
 * scorer, Kafka) is another implementation that opens a {@link ScoringModel} over its transport for
 * each {@code --bundle} name.
 */
@FunctionalInterface
public interface TransportFactory {

  /**
   * Opens the model named by {@code --bundle} value {@code spec}.
   *
   * @param name the model's name in the report
   * @param location what followed {@code NAME=} in {@code --bundle} (a path for in-process)
   * @throws IOException when the model cannot be opened
   */
  ScoringModel open(String name, String location) throws IOException;
}
