/**
 * Dense linear algebra on a maintained BLAS/LAPACK binding ({@code dev.ludovic.netlib}, the one
 * Spark uses): native BLAS through JNI over the system's {@code libblas.so.3} and {@code
 * liblapack.so.3} (Debian's OpenBLAS when {@code libopenblas0} is installed), a pure-Java
 * implementation otherwise. Row-major wrappers ({@link org.mos.common.linalg.Blas}) for the matrix
 * products of the score methods and fits.
 */
package org.mos.common.linalg;
