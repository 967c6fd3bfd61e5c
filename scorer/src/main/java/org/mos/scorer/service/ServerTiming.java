package org.mos.scorer.service;

import java.util.Locale;

/**
 * One scoring request's time inside the service, as the HTTP {@code Server-Timing} header (W3C
 * Server Timing) reports it: {@code prepare} (decoding, resizing and normalising the images on the
 * request's thread), {@code queue} (waiting for the model), {@code infer} (the model's runs of the
 * batches that held the request's images, input perturbation included; {@code desc} gives the
 * largest batch), {@code score} (the OOD scores and decisions of the request's rows). The time the
 * HTTP layer spends reading and writing bodies is not in it.
 *
 * @param prepareMs decoding and preprocessing
 * @param queueMs from the images being ready to the first batch holding them starting
 * @param inferMs model time of the batches that held the request's images
 * @param scoreMs scoring time of the request's rows
 * @param batchImages images in the largest of those batches (the request's and other requests')
 */
public record ServerTiming(
    double prepareMs, double queueMs, double inferMs, double scoreMs, int batchImages) {

  /** The header's name. */
  public static final String HEADER = "Server-Timing";

  /**
   * The header value, e.g. {@code prepare;dur=8.1, queue;dur=0.2, infer;dur=61.0;desc="batch of 3
   * images", score;dur=0.1}.
   */
  public String header() {
    return String.format(
        Locale.ROOT,
        "prepare;dur=%.3f, queue;dur=%.3f, infer;dur=%.3f;desc=\"batch of %d image%s\","
            + " score;dur=%.3f",
        prepareMs,
        queueMs,
        inferMs,
        batchImages,
        batchImages == 1 ? "" : "s",
        scoreMs);
  }
}
