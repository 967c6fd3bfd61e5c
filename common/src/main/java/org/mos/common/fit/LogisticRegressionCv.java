package org.mos.common.fit;

import java.util.Arrays;

/**
 * Cross-validated binary logistic regression with the defaults of scikit-learn's {@code
 * LogisticRegressionCV()} (version 1.2), which the Mahalanobis reference uses to combine per-layer
 * scores: {@code Cs=10} values of C on {@code logspace(-4, 4, 10)}, L2 penalty, 5-fold {@link
 * StratifiedFolds stratified} splits without shuffling, accuracy as the score, the C with the
 * highest accuracy summed over the folds (the first on ties), and a refit on all data with it.
 *
 * <p>Every fit is the exact optimum ({@link LogisticRegression}); scikit-learn's lbfgs stops at a
 * gradient tolerance of 1e-4, so coefficients agree with it to about that tolerance. Immutable
 * settings; {@link #fit} is thread-safe.
 */
public final class LogisticRegressionCv {

  /** scikit-learn's default folds. */
  public static final int DEFAULT_FOLDS = 5;

  private final double[] cs;
  private final int folds;

  private LogisticRegressionCv(double[] cs, int folds) {
    this.cs = cs;
    this.folds = folds;
  }

  /** The defaults of scikit-learn's {@code LogisticRegressionCV()}. */
  public static LogisticRegressionCv sklearnDefaults() {
    return new LogisticRegressionCv(logspace(-4, 4, 10), DEFAULT_FOLDS);
  }

  /** Other C values and fold count. */
  public static LogisticRegressionCv of(double[] cs, int folds) {
    if (cs.length == 0) {
      throw new IllegalArgumentException("need at least one value of C");
    }
    for (double c : cs) {
      if (!(c > 0) || !Double.isFinite(c)) {
        throw new IllegalArgumentException("C is " + c + "; expected finite values > 0");
      }
    }
    if (folds < 2) {
      throw new IllegalArgumentException("need at least 2 folds, got " + folds);
    }
    return new LogisticRegressionCv(cs.clone(), folds);
  }

  /** {@code numpy.logspace(from, to, n)}: 10^(from + k (to - from) / (n - 1)). */
  public static double[] logspace(double from, double to, int n) {
    double[] out = new double[n];
    for (int k = 0; k < n; k++) {
      // numpy computes the exponents with linspace (start + k * step) and then 10 ** exponent
      double step = n > 1 ? (to - from) / (n - 1) : 0;
      double exponent = k == n - 1 && n > 1 ? to : from + k * step;
      out[k] = Math.pow(10, exponent);
    }
    return out;
  }

  /** The C values tried. */
  public double[] cs() {
    return cs.clone();
  }

  /** The number of folds. */
  public int folds() {
    return folds;
  }

  /**
   * Cross-validates C and refits on all data.
   *
   * @param x one row of features per sample
   * @param y labels 0 or 1, each with at least {@link #folds()} samples
   */
  public Result fit(double[][] x, int[] y) {
    int[] testFold = StratifiedFolds.testFolds(y, folds);
    double[][] accuracy = new double[folds][cs.length];
    for (int f = 0; f < folds; f++) {
      int[] train = indices(testFold, f, false);
      int[] test = indices(testFold, f, true);
      double[][] xTrain = rows(x, train);
      int[] yTrain = labels(y, train);
      LogisticModel previous = null;
      for (int k = 0; k < cs.length; k++) {
        // warm start along the path, as scikit-learn does; the optimum does not depend on it
        previous = LogisticRegression.fit(xTrain, yTrain, cs[k], previous);
        accuracy[f][k] = accuracy(previous, x, y, test);
      }
    }
    int best = 0;
    double bestSum = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < cs.length; k++) {
      double sum = 0;
      for (int f = 0; f < folds; f++) {
        sum += accuracy[f][k];
      }
      if (sum > bestSum) {
        bestSum = sum;
        best = k;
      }
    }
    LogisticModel model = LogisticRegression.fit(x, y, cs[best]);
    return new Result(model, cs.clone(), accuracy, testFold);
  }

  private static double accuracy(LogisticModel m, double[][] x, int[] y, int[] rows) {
    int hits = 0;
    for (int i : rows) {
      int predicted = m.decision(x[i]) > 0 ? 1 : 0;
      if (predicted == y[i]) {
        hits++;
      }
    }
    return (double) hits / rows.length;
  }

  private static int[] indices(int[] testFold, int fold, boolean inFold) {
    return java.util.stream.IntStream.range(0, testFold.length)
        .filter(i -> (testFold[i] == fold) == inFold)
        .toArray();
  }

  private static double[][] rows(double[][] x, int[] idx) {
    double[][] out = new double[idx.length][];
    for (int i = 0; i < idx.length; i++) {
      out[i] = x[idx[i]];
    }
    return out;
  }

  private static int[] labels(int[] y, int[] idx) {
    int[] out = new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      out[i] = y[idx[i]];
    }
    return out;
  }

  /**
   * The outcome of a cross-validated fit.
   *
   * @param model the model refitted on all data with the chosen C
   * @param cs the C values tried
   * @param foldAccuracy accuracy per fold and C, [fold][C] (scikit-learn's {@code scores_[1]})
   * @param testFold the test fold of every sample
   */
  public record Result(LogisticModel model, double[] cs, double[][] foldAccuracy, int[] testFold) {

    public Result {
      cs = cs.clone();
      foldAccuracy = Arrays.stream(foldAccuracy).map(double[]::clone).toArray(double[][]::new);
      testFold = testFold.clone();
    }

    /** The chosen C. */
    public double bestC() {
      return model.c();
    }

    /** Mean accuracy over the folds per C. */
    public double[] meanAccuracy() {
      double[] out = new double[cs.length];
      for (double[] fold : foldAccuracy) {
        for (int k = 0; k < cs.length; k++) {
          out[k] += fold[k] / foldAccuracy.length;
        }
      }
      return out;
    }

    @Override
    public double[] cs() {
      return cs.clone();
    }

    @Override
    public double[][] foldAccuracy() {
      return Arrays.stream(foldAccuracy).map(double[]::clone).toArray(double[][]::new);
    }

    @Override
    public int[] testFold() {
      return testFold.clone();
    }
  }
}
