package org.mos.scorer.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.mos.common.image.RgbImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.inference.ScoringPass;

/**
 * Runs jobs through one model: fills a reusable input batch with their images, runs the batch once
 * through the bundle's scorer ({@link BundleScorer#run}: the plain pass for the union of the
 * outputs the jobs need and the passes on perturbed inputs their methods need), and scores each
 * job's rows with its own request.
 */
final class BatchRunner implements MicroBatcher.Sink {

  private final BundleModel model;
  private final BundleScorer scorer;
  private final IntConsumer batchSizes;

  BatchRunner(BundleModel model, BundleScorer scorer, IntConsumer batchSizes) {
    this.model = model;
    this.scorer = scorer;
    this.batchSizes = batchSizes;
  }

  /** Runs jobs whose images fit {@code batch} together; completes every job's future. */
  @Override
  public void runTogether(List<Job> jobs, InputBatch batch) {
    try {
      int slot = 0;
      List<ScoringPass.Part> parts = new ArrayList<>();
      for (Job job : jobs) {
        parts.add(new ScoringPass.Part(job.request(), job.size()));
        for (Object input : job.inputs()) {
          put(batch, slot++, input);
        }
      }
      batchSizes.accept(slot);
      long start = System.nanoTime();
      // the plain pass and every method's passes on perturbed inputs, once for the whole batch
      ScoringPass pass = scorer.run(model, batch, parts);
      long inferred = System.nanoTime() - start;
      for (int i = 0; i < jobs.size(); i++) {
        Job job = jobs.get(i);
        job.timing().inferred(start, inferred, slot);
        try {
          long scoring = System.nanoTime();
          ScoredBatch scored = pass.score(i);
          job.timing().scored(System.nanoTime() - scoring);
          job.result().complete(scored);
        } catch (RuntimeException e) {
          job.result().completeExceptionally(e);
        }
      }
    } catch (RuntimeException e) {
      jobs.forEach(j -> j.result().completeExceptionally(e));
    }
  }

  /** Runs one job of any size in chunks of the batch's capacity and merges the results. */
  @Override
  public void runAlone(Job job, InputBatch batch) {
    if (job.size() <= batch.capacity()) {
      runTogether(List.of(job), batch);
      return;
    }
    List<ImageResult> images = new ArrayList<>();
    Map<String, String> omitted = new LinkedHashMap<>();
    try {
      for (int from = 0; from < job.size(); from += batch.capacity()) {
        List<Object> part =
            job.inputs().subList(from, Math.min(job.size(), from + batch.capacity()));
        Job chunk =
            new Job(
                part, job.request(), new java.util.concurrent.CompletableFuture<>(), job.timing());
        runTogether(List.of(chunk), batch);
        ScoredBatch scored = chunk.result().join();
        images.addAll(scored.images());
        omitted.putAll(scored.decisionsOmitted());
      }
      job.result().complete(new ScoredBatch(images, omitted));
    } catch (RuntimeException e) {
      job.result()
          .completeExceptionally(
              e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                  ? e.getCause()
                  : e);
    }
  }

  private static void put(InputBatch batch, int slot, Object input) {
    if (input instanceof RgbImage image) {
      batch.put(slot, image);
    } else {
      batch.put(slot, (float[]) input);
    }
  }
}
