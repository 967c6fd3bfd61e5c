package org.mos.scorer.kserve;

import java.util.List;

/**
 * An inference request of the Open Inference Protocol, whichever transport brought it.
 *
 * @param model the model name
 * @param version the model version the URL or message names, or null for the current one
 * @param id the request id, or null
 * @param parameters the request's parameters
 * @param inputs the input tensors, decoded
 * @param outputs the outputs asked for; empty = all
 */
public record V2Request(
    String model,
    String version,
    String id,
    V2Parameters parameters,
    List<V2Input> inputs,
    List<RequestedOutput> outputs) {

  public V2Request {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * An output asked for.
   *
   * @param name its name
   * @param binary whether to return it as binary data (REST's binary tensor data extension)
   */
  public record RequestedOutput(String name, boolean binary) {}
}
