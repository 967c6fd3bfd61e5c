package org.mos.evaluator.report;

/**
 * An image a run could not score; the report lists it.
 *
 * @param dataset the dataset it belongs to
 * @param imageId its id within the dataset
 * @param reason why it was skipped
 */
public record SkippedImage(String dataset, String imageId, String reason) {}
