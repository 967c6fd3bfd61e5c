package org.mos.trainer.export.autodiff;

/**
 * Why a forward graph gets no gradient graphs: an operator (or attribute) the builder cannot
 * differentiate, named with its node, or a graph it cannot read. Caught by {@link
 * GradientGraphBuilder#build}, which turns it into {@link GradientGraphBuilder.Result#unsupported}.
 */
final class NotDifferentiableException extends RuntimeException {

  NotDifferentiableException(String message) {
    super(message, null, false, false);
  }
}
