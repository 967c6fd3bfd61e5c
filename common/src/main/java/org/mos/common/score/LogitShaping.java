package org.mos.common.score;

/**
 * An activation-shaping method: the logits of a classifier head recomputed from reshaped
 * penultimate features (ReAct, ASH, SCALE) or through a sparsified head (DICE), {@code z = W' f' +
 * b}. A logit score (energy by default) then scores {@code z} ({@link ShapedScore}).
 * Implementations are immutable and never modify the features they are given.
 */
public interface LogitShaping {

  /** The registry id of the shaping, e.g. {@code react}. */
  String id();

  /** The head's logits of one feature vector after shaping. */
  double[] logits(double[] features);

  /**
   * The head's logits of every row of {@code features} after shaping, in double. This default
   * shapes and multiplies row by row; the shapings of this package override it with BLAS products
   * over blocks of rows ({@link HeadWeights#logits(FloatMatrix,
   * java.util.function.UnaryOperator)}).
   */
  default double[][] logits(FloatMatrix features) {
    double[][] out = new double[features.rows()][];
    double[] row = new double[features.cols()];
    for (int r = 0; r < out.length; r++) {
      float[] x = features.row(r);
      for (int j = 0; j < row.length; j++) {
        row[j] = x[j];
      }
      out[r] = logits(row);
    }
    return out;
  }
}
