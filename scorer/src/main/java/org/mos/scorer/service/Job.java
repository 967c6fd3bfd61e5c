package org.mos.scorer.service;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.mos.common.image.RgbImage;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;

/**
 * One request's images, decoded and checked, waiting to run.
 *
 * @param inputs {@link RgbImage}s or CHW {@code float[]} tensors of the model's size
 * @param request what to score
 * @param result completed with the request's results, or exceptionally
 * @param timing where the request's time goes (the parts of a split request share their request's)
 */
record Job(
    List<Object> inputs,
    ScoreRequest request,
    CompletableFuture<ScoredBatch> result,
    JobTiming timing) {

  /** A job with its own timing, received now. */
  Job(List<Object> inputs, ScoreRequest request, CompletableFuture<ScoredBatch> result) {
    this(inputs, request, result, new JobTiming(System.nanoTime()));
  }

  int size() {
    return inputs.size();
  }
}
