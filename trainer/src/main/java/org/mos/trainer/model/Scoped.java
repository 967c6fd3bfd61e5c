package org.mos.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keeps a block's intermediate arrays in a scope that the block closes when its forward pass
 * returns. On the PyTorch engine a result lives in the manager of its first operand, so one view of
 * the input attached to the scope pulls every later result into it; autograd keeps its own
 * references to what it saved, so closing the Java handles does not break backward.
 */
final class Scoped {

  private Scoped() {}

  /** A view of {@code array} (same storage, same autograd node) owned by {@code scope}. */
  static NDArray view(NDArray array, NDManager scope) {
    NDArray view = array.reshape(array.getShape());
    view.attach(scope);
    return view;
  }

  /** Moves the final result of a block back to the manager of the block's input. */
  static NDArray keep(NDArray result, NDArray input) {
    result.attach(input.getManager());
    return result;
  }
}
