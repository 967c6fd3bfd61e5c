/**
 * Fitting of the statistics that OOD baselines need, as pure functions over arrays: a binary
 * L2-regularised logistic regression fitted exactly ({@link LogisticRegression}) and its
 * cross-validated choice of the regularisation strength with the defaults of scikit-learn's {@code
 * LogisticRegressionCV} ({@link LogisticRegressionCv}, {@link StratifiedFolds}), and streaming
 * accumulators of class means ({@link KlMeansAccumulator}, {@link MahalanobisAccumulator}) that fit
 * over any number of images in bounded memory.
 */
package org.mos.common.fit;
