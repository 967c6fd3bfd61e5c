package org.mos.common.fit;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Binary L2-regularised logistic regression, fitted exactly: the unique minimiser of
 *
 * <pre>
 *   1/2 |w|^2 + C * sum_i [ log(1 + exp(z_i)) - y_i z_i ],   z_i = b + w . x_i,
 * </pre>
 *
 * the objective of scikit-learn's {@code LogisticRegression(penalty="l2", C=C)} with the lbfgs,
 * newton-cg and sag solvers (the intercept b is not penalised). Newton's method with a backtracking
 * line search on the exact objective, run to the limits of double precision; the features are
 * standardised internally (an exact reparametrisation, the penalty follows it) so that features of
 * very different scales, such as per-layer Mahalanobis scores, stay well conditioned. For a few
 * features, as here, every Newton step is one small linear solve.
 *
 * <p>scikit-learn's default lbfgs stops at a gradient tolerance of 1e-4 (at most 100 iterations),
 * so its coefficients agree with this exact optimum to about that tolerance, not to the last digit.
 */
public final class LogisticRegression {

  private static final int MAX_ITERATIONS = 200;

  /** Relative rounding of a sum of many loss terms in double. */
  private static final double ROUNDING = 1e-13;

  private LogisticRegression() {}

  /**
   * Fits the model.
   *
   * @param x one row of features per sample (all of equal length, finite)
   * @param y the label of every sample, 0 or 1
   * @param c the inverse regularisation strength, > 0
   * @throws IllegalArgumentException on empty or ragged input, labels other than 0/1, or C <= 0
   */
  public static LogisticModel fit(double[][] x, int[] y, double c) {
    return fit(x, y, c, null);
  }

  /** As {@link #fit(double[][], int[], double)}, starting Newton from {@code start} (or zero). */
  static LogisticModel fit(double[][] x, int[] y, double c, LogisticModel start) {
    check(x, y, c);
    Standardised s = Standardised.of(x);
    int d = s.dims;
    // theta = (v_0..v_{d-1}, b'): weights and intercept on the standardised features
    double[] theta = new double[d + 1];
    if (start != null) {
      theta = s.toStandardised(start);
    }
    double[] lambda = new double[d];
    for (int j = 0; j < d; j++) {
      lambda[j] = 1 / (c * s.scale[j] * s.scale[j]);
    }
    double f = objective(s.x, y, lambda, theta);
    for (int iter = 0; iter < MAX_ITERATIONS; iter++) {
      double[] grad = new double[d + 1];
      DMatrixRMaj hessian = new DMatrixRMaj(d + 1, d + 1);
      derivatives(s.x, y, lambda, theta, grad, hessian);
      double[] step = solve(hessian, grad);
      double slope = 0;
      double stepSize = 0;
      double size = 0;
      for (int j = 0; j <= d; j++) {
        slope -= grad[j] * step[j];
        stepSize = Math.max(stepSize, Math.abs(step[j]));
        size = Math.max(size, Math.abs(theta[j]));
      }
      if (stepSize <= 1e-13 * (1 + size)) {
        break; // converged: the Newton step is below the rounding of theta
      }
      if (slope >= -1e-16 * Math.abs(f)) {
        // The predicted decrease is below the resolution of f (an ill-conditioned, nearly
        // separable problem): the line search can no longer judge steps, but this one is a
        // Newton step in the quadratic region, so take it in full and stop.
        for (int j = 0; j <= d; j++) {
          theta[j] -= step[j];
        }
        break;
      }
      double t = 1;
      double[] next = new double[d + 1];
      double fNext;
      while (true) {
        for (int j = 0; j <= d; j++) {
          next[j] = theta[j] - t * step[j];
        }
        fNext = objective(s.x, y, lambda, next);
        // Armijo, with the rounding of the objective as slack: close to the optimum the full
        // Newton step is right even where the decrease is too small to be seen in f
        if (fNext <= f + 1e-4 * t * slope + ROUNDING * Math.abs(f) || t < 1e-12) {
          break;
        }
        t /= 2;
      }
      if (fNext > f + ROUNDING * Math.abs(f)) {
        break; // no decrease left at double precision: theta is the optimum to rounding
      }
      theta = next;
      f = fNext;
      if (iter == MAX_ITERATIONS - 1 && stepSize > 1e-8 * (1 + size)) {
        throw new IllegalStateException(
            "logistic regression did not converge in "
                + MAX_ITERATIONS
                + " Newton steps (last step "
                + stepSize
                + ")");
      }
    }
    return s.toOriginal(theta, c);
  }

  private static void check(double[][] x, int[] y, double c) {
    if (x.length == 0 || x.length != y.length) {
      throw new IllegalArgumentException(
          "expected one label per row and at least one row, got "
              + x.length
              + " rows and "
              + y.length
              + " labels");
    }
    if (!(c > 0) || !Double.isFinite(c)) {
      throw new IllegalArgumentException("C is " + c + "; expected a finite value > 0");
    }
    int d = x[0].length;
    for (int i = 0; i < x.length; i++) {
      if (x[i].length != d) {
        throw new IllegalArgumentException(
            "row " + i + " has " + x[i].length + " features but row 0 has " + d);
      }
      for (double v : x[i]) {
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("row " + i + " holds the feature " + v);
        }
      }
      if (y[i] != 0 && y[i] != 1) {
        throw new IllegalArgumentException("label " + i + " is " + y[i] + "; expected 0 or 1");
      }
    }
  }

  /** sum_i softplus(z_i) - y_i z_i + 1/2 sum_j lambda_j v_j^2. */
  private static double objective(double[][] x, int[] y, double[] lambda, double[] theta) {
    int d = lambda.length;
    double loss = 0;
    for (int i = 0; i < x.length; i++) {
      double z = z(x[i], theta);
      // softplus(z) - y z, written without cancellation: softplus(-z) when y = 1
      loss += softplus(y[i] == 1 ? -z : z);
    }
    for (int j = 0; j < d; j++) {
      loss += 0.5 * lambda[j] * theta[j] * theta[j];
    }
    return loss;
  }

  private static void derivatives(
      double[][] x, int[] y, double[] lambda, double[] theta, double[] grad, DMatrixRMaj h) {
    int d = lambda.length;
    double[] row = new double[d + 1];
    row[d] = 1;
    for (int i = 0; i < x.length; i++) {
      System.arraycopy(x[i], 0, row, 0, d);
      double z = z(x[i], theta);
      double p = sigmoid(z);
      double q = sigmoid(-z); // 1 - p, accurate where p is close to 1
      double r = y[i] == 1 ? -q : p;
      double w = p * q;
      for (int a = 0; a <= d; a++) {
        grad[a] += r * row[a];
        for (int b = 0; b <= a; b++) {
          h.data[a * (d + 1) + b] += w * row[a] * row[b];
        }
      }
    }
    for (int a = 0; a <= d; a++) {
      for (int b = 0; b < a; b++) {
        h.data[b * (d + 1) + a] = h.data[a * (d + 1) + b];
      }
    }
    for (int j = 0; j < d; j++) {
      grad[j] += lambda[j] * theta[j];
      h.data[j * (d + 1) + j] += lambda[j];
    }
  }

  private static double[] solve(DMatrixRMaj hessian, double[] grad) {
    int n = grad.length;
    DMatrixRMaj g = new DMatrixRMaj(n, 1, true, grad);
    DMatrixRMaj step = new DMatrixRMaj(n, 1);
    if (!CommonOps_DDRM.solve(hessian.copy(), g, step) || !allFinite(step.data)) {
      // Only the intercept's curvature can vanish (every sample classified with certainty): a
      // tiny ridge keeps the step defined; the line search still decides on the exact objective.
      double trace = 0;
      for (int j = 0; j < n; j++) {
        trace += hessian.get(j, j);
      }
      for (int j = 0; j < n; j++) {
        hessian.add(j, j, 1e-12 * trace / n + 1e-300);
      }
      CommonOps_DDRM.solve(hessian, g, step);
    }
    return step.data;
  }

  private static boolean allFinite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  private static double z(double[] x, double[] theta) {
    int d = x.length;
    double z = theta[d];
    for (int j = 0; j < d; j++) {
      z += theta[j] * x[j];
    }
    return z;
  }

  /** log(1 + exp(z)) without overflow. */
  static double softplus(double z) {
    return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  }

  static double sigmoid(double z) {
    if (z >= 0) {
      return 1 / (1 + Math.exp(-z));
    }
    double e = Math.exp(z);
    return e / (1 + e);
  }

  /** Features shifted by their mean and divided by their standard deviation (1 when constant). */
  private record Standardised(double[][] x, double[] shift, double[] scale, int dims) {

    static Standardised of(double[][] raw) {
      int n = raw.length;
      int d = raw[0].length;
      double[] mean = new double[d];
      double[] scale = new double[d];
      for (double[] row : raw) {
        for (int j = 0; j < d; j++) {
          mean[j] += row[j] / n;
        }
      }
      for (double[] row : raw) {
        for (int j = 0; j < d; j++) {
          scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / n;
        }
      }
      for (int j = 0; j < d; j++) {
        scale[j] = scale[j] > 0 ? Math.sqrt(scale[j]) : 1;
      }
      double[][] x = new double[n][d];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < d; j++) {
          x[i][j] = (raw[i][j] - mean[j]) / scale[j];
        }
      }
      return new Standardised(x, mean, scale, d);
    }

    /** w_j = v_j / s_j, b = b' - sum_j v_j m_j / s_j. */
    LogisticModel toOriginal(double[] theta, double c) {
      double[] w = new double[dims];
      double b = theta[dims];
      for (int j = 0; j < dims; j++) {
        w[j] = theta[j] / scale[j];
        b -= w[j] * shift[j];
      }
      return new LogisticModel(w, b, c);
    }

    double[] toStandardised(LogisticModel m) {
      double[] w = m.weights();
      double[] theta = new double[dims + 1];
      theta[dims] = m.intercept();
      for (int j = 0; j < dims; j++) {
        theta[j] = w[j] * scale[j];
        theta[dims] += w[j] * shift[j];
      }
      return theta;
    }
  }
}
