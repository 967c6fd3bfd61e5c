package org.mos.common.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The float32 products a linear head trains with, on hand-worked 2 x 3 examples. */
class BlasFloatProductsTest {

  /** A: 2 rows x 3, row-major. */
  private static final float[] A = {1, 2, 3, 4, 5, 6};

  @Test
  void addMultiplyTransposedBAddsTheProductToWhatCHolds() {
    float[] b = {1, 0, -1, 0.5f, 1, 0}; // B: 2 x 3
    float[] c = {10, 20, 30, 40}; // preset, as a bias
    Blas.addMultiplyTransposedB(A, 2, 3, b, 2, c);
    // A B^T: row 0 = (1 - 3, 0.5 + 2) = (-2, 2.5); row 1 = (4 - 6, 2 + 5) = (-2, 7)
    assertThat(c).containsExactly(8, 22.5f, 28, 47);
  }

  @Test
  void multiplyTransposedAIsTheSumOfOuterProductsOfRows() {
    float[] b = {1, -1, 2, 0}; // B: 2 x 2
    float[] c = {99, 99, 99, 99, 99, 99}; // overwritten
    Blas.multiplyTransposedA(A, 2, 3, b, 2, c);
    // A^T B = a0^T b0 + a1^T b1: (1,2,3)^T (1,-1) + (4,5,6)^T (2,0)
    //   = [[1+8, -1], [2+10, -2], [3+12, -3]]
    assertThat(c).containsExactly(9, -1, 12, -2, 15, -3);
  }

  @Test
  void tooShortArraysAreRefusedNamingTheMatrix() {
    assertThatThrownBy(() -> Blas.multiplyTransposedA(A, 2, 3, new float[3], 2, new float[6]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("matrix B has 3 values but the product needs 4");
    assertThatThrownBy(() -> Blas.addMultiplyTransposedB(A, 2, 3, new float[6], 2, new float[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("matrix C has 3 values but the product needs 4");
  }
}
