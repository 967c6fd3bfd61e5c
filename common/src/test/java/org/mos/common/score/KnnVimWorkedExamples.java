package org.mos.common.score;

/** The inputs of METHODS.md §11's worked examples (toy: C 3, D 4; medium: C 10, D 2048). */
final class KnnVimWorkedExamples {

  private KnnVimWorkedExamples() {}

  static final double[][] TOY_W = {
    {0.5, -0.2, 0.1, 0.3}, {-0.3, 0.4, 0.2, -0.1}, {0.1, 0.1, -0.4, 0.2}
  };
  static final double[] TOY_B = {0.1, -0.2, 0.05};
  static final double[][] TOY_FIT = {
    {1.3, 0.3, 0.0, 0.8},
    {0.9, 0.5, 0.2, 1.1},
    {0.1, 1.4, 0.6, 0.2},
    {0.3, 1.1, 0.9, 0.0},
    {0.7, 0.2, 1.5, 0.4},
    {0.2, 0.6, 1.2, 0.9}
  };
  static final double[][] TOY_TEST = {{1.0, 0.4, 0.1, 0.9}, {3.0, 0.1, 0.2, 0.05}};

  static double[][] mediumW() {
    double[][] w = new double[10][2048];
    for (long i = 0; i < 10; i++) {
      for (long j = 0; j < 2048; j++) {
        w[(int) i][(int) j] = (((i * 131 + j * 17) % 199) - 99) / 1000.0;
      }
    }
    return w;
  }

  static double[] mediumB() {
    double[] b = new double[10];
    for (int i = 0; i < 10; i++) {
      b[i] = (i - 4.5) / 100.0;
    }
    return b;
  }

  static double[][] mediumTest() {
    double[][] x = new double[3][2048];
    for (long j = 0; j < 2048; j++) {
      x[0][(int) j] = (j * 7919 % 2053) / 1000.0;
      x[1][(int) j] = (j * 31 % 2053) / 1000.0;
      x[2][(int) j] = (j * 104729 % 2053) / 1000.0;
    }
    x[2][5] = 40.0;
    return x;
  }

  static double[][] mediumFit() {
    double[][] x = new double[20][2048];
    for (long n = 0; n < 20; n++) {
      for (long j = 0; j < 2048; j++) {
        x[(int) n][(int) j] = ((j * (n + 3) * 101 + n * 977) % 2053) / 1000.0;
      }
    }
    return x;
  }

  /** W x + b of every row, in float64, rounded to float32 like a model's logits. */
  static FloatMatrix logits(double[][] w, double[] b, double[][] x) {
    double[][] z = new double[x.length][w.length];
    for (int i = 0; i < x.length; i++) {
      for (int c = 0; c < w.length; c++) {
        double s = b[c];
        for (int j = 0; j < x[i].length; j++) {
          s += w[c][j] * (double) (float) x[i][j];
        }
        z[i][c] = s;
      }
    }
    return FloatMatrix.ofRows(z);
  }
}
