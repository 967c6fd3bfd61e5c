package org.mos.scorer.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;
import org.mos.common.image.RgbImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.score.Batch;
import org.mos.common.score.OdinPerturbation;

/**
 * Runs jobs through one model: fills a reusable input batch with their images, asks the session
 * once for the union of the outputs they need, and scores each job's rows with its own options.
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
      Set<String> outputs = new LinkedHashSet<>();
      List<OdinPerturbation> perImage = new ArrayList<>();
      boolean perturb = false;
      ScoreRequest mahalanobis = null;
      for (Job job : jobs) {
        outputs.addAll(scorer.requiredOutputs(job.request()));
        if (mahalanobis == null && scorer.mahalanobisPerturbation(job.request()).isPresent()) {
          mahalanobis = job.request();
        }
        // ODIN with epsilon > 0: the whole batch takes the perturbed pass, images of other
        // jobs with epsilon 0 (their inputs stay as they are)
        Optional<OdinPerturbation> odin = scorer.perturbation(job.request());
        perturb |= odin.isPresent();
        for (Object input : job.inputs()) {
          put(batch, slot++, input);
          perImage.add(odin.orElse(OdinPerturbation.PAPER_DEFAULT));
        }
      }
      batchSizes.accept(slot);
      long start = System.nanoTime();
      Map<String, Batch> all =
          perturb
              ? model.runPerturbed(batch, slot, outputs, perImage)
              : model.run(batch, slot, outputs);
      if (mahalanobis != null) {
        all = new LinkedHashMap<>(all); // run() does not promise a writable map; only this adds
        // Mahalanobis fitted with an input perturbation magnitude: the layer scores of perturbed
        // inputs, for every image of the batch (each image's perturbation depends on that image
        // alone, and the rows of jobs that did not ask for mahalanobis are not read)
        scorer.addPerturbedMahalanobis(model, batch, slot, mahalanobis, all);
      }
      long inferred = System.nanoTime() - start;
      int from = 0;
      for (Job job : jobs) {
        job.timing().inferred(start, inferred, slot);
        try {
          long scoring = System.nanoTime();
          Map<String, Batch> rows = BundleScorer.slice(all, from, job.size());
          ScoredBatch scored = scorer.score(rows, job.request());
          job.timing().scored(System.nanoTime() - scoring);
          job.result().complete(scored);
        } catch (RuntimeException e) {
          job.result().completeExceptionally(e);
        }
        from += job.size();
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
