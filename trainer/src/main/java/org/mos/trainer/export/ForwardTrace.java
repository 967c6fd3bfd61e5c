package org.mos.trainer.export;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a traced forward graph that its backward reads (see {@link VjpExporter}): the
 * input of every convolution, the deviations and reciprocal deviations of every group norm, the
 * pre-activations of every ReLU and the argmax indices of the stem's max pool. Names are graph
 * value names.
 */
final class ForwardTrace {

  /** A convolution: its input, its (folded) weight initializer, kernel side, stride and padding. */
  record Conv(String input, String weight, int kernel, int stride, int pad) {}

  /**
   * A group norm: the shape of its input, the grouped deviations from the group means (N, 32, M),
   * the reciprocal deviations 1 / sigma (N, 32, 1) and the scale gamma / sigma per image and
   * channel (N, C, 1, 1).
   */
  record Norm(String shape, String deviation, String reciprocalDeviation, String scale) {}

  /** One pre-activation bottleneck; {@code proj} is null when the shortcut is the identity. */
  record Unit(
      Norm gn1,
      String relu1,
      Conv proj,
      Conv conv1,
      Norm gn2,
      String relu2,
      Conv conv2,
      Norm gn3,
      String relu3,
      Conv conv3) {}

  Conv stem;

  /** The zero-padded stem output the max pool reads. */
  String padded;

  /** MaxPool's second output: flat indices into {@link #padded}. */
  String poolIndices;

  final List<Unit> units = new ArrayList<>();

  /** The stem's pooled output and each block's output (the tensors the spatial means read). */
  final List<String> layerOutputs = new ArrayList<>();

  Norm headNorm;

  /** Pre-activation of the head's ReLU (N, F, h, w). */
  String headRelu;

  /** The head's weight initializer (numLogits, F). */
  String headWeight;
}
