package org.mos.common.metrics;

/**
 * A threshold on the score (accept as in-distribution when score &ge; threshold) and the rates it
 * gives, with ID as the positive class.
 *
 * @param threshold the score threshold
 * @param tpr the share of ID scores at or above the threshold
 * @param fpr the share of OOD scores at or above the threshold
 */
public record OperatingPoint(double threshold, double tpr, double fpr) {}
