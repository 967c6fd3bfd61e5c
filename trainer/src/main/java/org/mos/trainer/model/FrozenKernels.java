package org.mos.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The standardised kernels of one {@link StdConv2d} whose weight is frozen, by weight array (the
 * parameter itself, or a replica's mirror of it). A frozen kernel does not change while the trainer
 * runs, so standardising it in every forward pass only costs time; an entry is dropped as soon as
 * its weight requires a gradient again.
 */
final class FrozenKernels {

  private final Map<NDArray, NDArray> byWeight = new IdentityHashMap<>();

  /** The standardised kernel of a frozen {@code weight}, or null when it requires a gradient. */
  synchronized NDArray standardised(NDArray weight) {
    if (weight.hasGradient()) {
      NDArray stale = byWeight.remove(weight);
      if (stale != null) {
        stale.close();
      }
      return null;
    }
    NDArray kernel = byWeight.get(weight);
    if (kernel == null) {
      try (NDManager scope = weight.getManager().newSubManager()) {
        kernel = StdConv2d.standardise(Scoped.view(weight, scope));
        kernel.attach(weight.getManager());
      }
      byWeight.put(weight, kernel);
    }
    return kernel;
  }

  /** Closes every cached kernel. */
  synchronized void clear() {
    byWeight.values().forEach(NDArray::close);
    byWeight.clear();
  }
}
