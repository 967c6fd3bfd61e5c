package org.mos.common.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link PseudoInverse} against scipy's {@code pinvh} (golden values from {@code
 * scripts/fixtures/make_pseudo_inverse_fixtures.py}) and hand-worked inverses, on both of its
 * paths: the Cholesky inverse of a well-conditioned matrix and the eigendecomposition otherwise.
 */
class PseudoInverseTest {

  private static final double[][] SPD = {{6, 2, 1, 0}, {2, 5, 2, 1}, {1, 2, 4, 1}, {0, 1, 1, 3}};

  // B B^T with B = {{1, 2}, {0, 1}, {3, -1}, {2, 2}}: rank 2
  private static final double[][] RANK2 = {
    {5, 2, 1, 6}, {2, 1, -1, 2}, {1, -1, 10, 4}, {6, 2, 4, 8}
  };

  private static final double[][] SPD_PINVH = {
    {0.19545454545454558, -0.07727272727272733, -0.018181818181818216, 0.031818181818181794},
    {-0.07727272727272733, 0.2863636363636365, -0.1090909090909091, -0.059090909090909194},
    {-0.018181818181818223, -0.10909090909090907, 0.3272727272727274, -0.07272727272727247},
    {0.0318181818181818, -0.05909090909090918, -0.0727272727272725, 0.37727272727272765}
  };

  private static final double[][] RANK2_PINVH = {
    {0.03735213565643021, 0.01969582192179941, -0.02581434648330509, 0.035312627469261684},
    {0.019695821921799406, 0.011945690810558825, -0.024532369908513468, 0.015500262222481217},
    {-0.025814346483305082, -0.024532369908513468, 0.09428354990967885, -0.0025639531495833495},
    {0.035312627469261684, 0.015500262222481218, -0.002563953149583351, 0.039624730493561}
  };

  private static double[] flat(double[][] m) {
    int d = m.length;
    double[] a = new double[d * d];
    for (int i = 0; i < d; i++) {
      System.arraycopy(m[i], 0, a, i * d, d);
    }
    return a;
  }

  private static void assertEqual(double[] actual, double[][] expected, double tolerance) {
    int d = expected.length;
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        assertThat(actual[i * d + j])
            .as("entry %d %d", i, j)
            .isCloseTo(expected[i][j], within(tolerance));
      }
    }
  }

  @Test
  void wellConditionedMatrixGetsScipysPinvhByItsCholeskyInverse() {
    assertThat(Blas.choleskyInverse(flat(SPD), 4, PseudoInverse.CHOLESKY_MIN_RECIPROCAL_CONDITION))
        .hasValueSatisfying(inverse -> assertEqual(inverse, SPD_PINVH, 1e-14));
    assertEqual(PseudoInverse.symmetric(flat(SPD), 4, false), SPD_PINVH, 1e-14);
  }

  @Test
  void eigendecompositionPathGivesTheSameInverse() {
    assertEqual(PseudoInverse.byEigendecomposition(flat(SPD), 4), SPD_PINVH, 1e-14);
    assertEqual(PseudoInverse.symmetric(flat(SPD), 4, true), SPD_PINVH, 1e-14);
  }

  @Test
  void rankDeficientMatrixDropsItsNullSpaceAsPinvhDoes() {
    assertEqual(PseudoInverse.symmetric(flat(RANK2), 4, false), RANK2_PINVH, 1e-14);
  }

  @Test
  void eigenvalueUnderPinvhsCutoffIsDroppedEvenWhenCholeskySucceeds() {
    // diag(4, 2, 1e-17): positive definite for dpotrf, but 1e-17 <= 3 eps 4 (pinvh's cutoff)
    double[] a = {4, 0, 0, 0, 2, 0, 0, 0, 1e-17};
    assertEqual(
        PseudoInverse.symmetric(a, 3, false),
        new double[][] {{0.25, 0, 0}, {0, 0.5, 0}, {0, 0, 0}},
        1e-15);
  }

  @Test
  void illConditionedFullRankMatrixIsStillInverted() {
    // condition 1e9: too poor for the Cholesky shortcut, far above pinvh's cutoff (2 eps)
    double[] a = {1, 0, 0, 1e-9};
    assertThat(Blas.choleskyInverse(a, 2, PseudoInverse.CHOLESKY_MIN_RECIPROCAL_CONDITION))
        .isEmpty();
    double[] p = PseudoInverse.symmetric(a, 2, false);
    assertThat(p[0]).isCloseTo(1, within(1e-12));
    assertThat(p[3]).isCloseTo(1e9, within(1e-3));
    assertThat(p[1]).isZero();
    assertThat(p[2]).isZero();
  }

  @Test
  void indefiniteMatrixIsInvertedThroughItsNegativeEigenvalueToo() {
    // [[1, 2], [2, 1]] has eigenvalues 3 and -1; its inverse is 1/(1 - 4) [[1, -2], [-2, 1]]
    assertEqual(
        PseudoInverse.symmetric(new double[] {1, 2, 2, 1}, 2, false),
        new double[][] {{-1.0 / 3, 2.0 / 3}, {2.0 / 3, -1.0 / 3}},
        1e-15);
  }

  @Test
  void onlyTheUpperTriangleIsRead() {
    double[] a = flat(SPD);
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < i; j++) {
        a[i * 4 + j] = Double.NaN;
      }
    }
    assertEqual(PseudoInverse.symmetric(a.clone(), 4, false), SPD_PINVH, 1e-14);
    assertEqual(PseudoInverse.symmetric(a, 4, true), SPD_PINVH, 1e-14);
  }

  @Test
  void mirrorCopiesTheUpperTriangleAcrossTilesOfAnyEdge() {
    int d = 131; // two full 64-wide tiles and a partial one
    double[] s = new double[d * d];
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < s.length; i++) {
      s[i] = r.nextDouble();
    }
    double[] before = s.clone();
    Blas.mirrorUpper(s, d);
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        double expected = j >= i ? before[i * d + j] : before[j * d + i];
        assertThat(s[i * d + j]).as("entry %d %d", i, j).isEqualTo(expected);
      }
    }
  }

  @Test
  void gramUpdateOfRowsFromAnOffsetAddsAlphaTimesTheirOuterProducts() {
    // rows 1..2 of X = {{9, 9}, {1, 2}, {3, -1}}, alpha -2: S_upper += -2 (1*1+3*3, 1*2-3*1, 4+1)
    double[] x = {9, 9, 1, 2, 3, -1};
    double[] s = {1, 1, 1, 1};
    Blas.addGram(-2.0, x, 2, 2, 2, s);
    assertThat(s).containsExactly(1 - 20, 1 + 2, 1, 1 - 10);
  }
}
