package org.mos.evaluator.report;

/**
 * One picture of a report.
 *
 * @param kind {@code roc} or {@code histogram}
 * @param subject the OOD set (ROC) or the method label (histogram) it shows
 * @param title its caption
 * @param path its file, relative to the report folder (forward slashes)
 * @param png the encoded image
 */
record Figure(String kind, String subject, String title, String path, byte[] png) {}
