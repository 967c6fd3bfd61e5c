package org.mos.evaluator.transport;

import java.util.Map;

/**
 * Implemented by a transport that can tell how long each method's own scoring took, apart from the
 * decoding and the forward pass that all methods of a model share (the in-process transport can; a
 * remote scorer does not say). The evaluator uses it to report a test time per method.
 */
public interface MethodTimes {

  /**
   * Seconds spent so far in each method's own score function, cumulative since the transport was
   * opened, per method id.
   */
  Map<String, Double> scoringSeconds();
}
