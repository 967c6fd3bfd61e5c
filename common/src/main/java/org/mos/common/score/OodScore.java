package org.mos.common.score;

/**
 * An out-of-distribution score: one number per input, <b>higher = more in-distribution</b>.
 * Implementations are immutable and thread-safe; their parameters and fitted statistics are fixed
 * at construction.
 */
public interface OodScore {

  /** The method id of the registry ({@link ScoreMethod}), e.g. {@code mos}. */
  String id();

  /** Scores a batch of model outputs, one score per row in row order. */
  double[] score(ModelOutputs outputs);
}
