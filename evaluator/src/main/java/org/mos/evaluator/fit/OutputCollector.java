package org.mos.evaluator.fit;

import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.mos.common.data.Sample;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageBatch;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PipelineReport;
import org.mos.common.image.PreprocessingPipeline;
import org.mos.common.image.Progress;
import org.mos.common.image.UnreadableImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InputBatch;
import org.mos.common.score.FloatMatrix;

/**
 * Runs a bundle model over an image set and hands each batch's outputs to a consumer, so that a fit
 * streams over any number of images: images are decoded and preprocessed on worker threads by a
 * {@link PreprocessingPipeline} (a bounded number of batches in flight), run through ONNX Runtime
 * one batch at a time, and dropped. Unreadable images are skipped and counted, or stop the run, by
 * policy. A progress line (images, rate, ETA) goes to stderr at most every two seconds.
 */
final class OutputCollector {

  /** Receives the outputs of one batch and the index (in the set) of every row. */
  @FunctionalInterface
  interface Consumer {
    void accept(Map<String, FloatMatrix> outputs, int[] setIndices);
  }

  /** Receives one filled input batch: its first {@code count} images are those of the rows. */
  @FunctionalInterface
  interface InputConsumer {
    void accept(InputBatch input, int count, int[] setIndices);
  }

  /**
   * Receives the preprocessed images of one batch as one array: {@code count} CHW images in C
   * order, and the index (in the set) of every one.
   */
  @FunctionalInterface
  interface ArrayConsumer {
    void accept(float[] images, int count, int[] setIndices);
  }

  /**
   * What a collection pass read.
   *
   * @param images images run through the model
   * @param unreadable images skipped as unreadable
   */
  record Report(int images, List<UnreadableImage> unreadable) {}

  private final BundleModel model;
  private final int batchSize;
  private final int workers;
  private final BadFilePolicy policy;
  private final PrintWriter err;

  OutputCollector(
      BundleModel model, int batchSize, int workers, BadFilePolicy policy, PrintWriter err) {
    this.model = model;
    this.batchSize = batchSize;
    this.workers = workers;
    this.policy = policy;
    this.err = err;
  }

  /** Where progress lines go. */
  PrintWriter err() {
    return err;
  }

  /** The model the images run through. */
  BundleModel model() {
    return model;
  }

  /** Runs every image of {@code set} and passes the requested outputs to {@code consumer}. */
  Report collect(String what, ImageSet set, Collection<String> outputs, Consumer consumer) {
    return collectInputs(
        what, set, (input, n, indices) -> consumer.accept(model.run(input, n, outputs), indices));
  }

  /**
   * Preprocesses every image of {@code set} into input batches and hands each to {@code consumer},
   * for passes that run the model themselves (input perturbation).
   */
  Report collectInputs(String what, ImageSet set, InputConsumer consumer) {
    return pass(what, set, consumer, null);
  }

  /**
   * Preprocesses every image of {@code set} and hands each batch to {@code consumer} as an array,
   * for passes that build their own inputs (FGSM copies, perturbed inputs).
   */
  Report collectArrays(String what, ImageSet set, ArrayConsumer consumer) {
    return pass(what, set, null, consumer);
  }

  private Report pass(String what, ImageSet set, InputConsumer inputs, ArrayConsumer arrays) {
    List<Sample> samples = set.samples();
    InputBatch input = model.newInputBatch(Math.min(batchSize, samples.size()));
    float[] chw = new float[input.floatsPerImage()];
    // array passes (the tuning) print their own progress: decoding runs ahead of their model runs
    ProgressLine progress = new ProgressLine(what, err, arrays == null);
    try (PreprocessingPipeline<Sample> pipeline =
        PreprocessingPipeline.builder(samples, (Sample s) -> ImageSource.of(s.path()))
            .setSpec(model.preprocessSpec())
            .optBatchSize(input.capacity())
            .optThreads(workers)
            .optBadFilePolicy(policy)
            .optProgressListener(progress::update)
            .build()) {
      while (pipeline.hasNext()) {
        ImageBatch batch = pipeline.next();
        int n = batch.size();
        for (UnreadableImage u : batch.skipped()) {
          err.println("mos fit: skipped unreadable image " + u.source() + ": " + u.reason());
        }
        if (n == 0) {
          continue;
        }
        FloatBuffer data = batch.data();
        int[] indices = new int[n];
        float[] all = arrays == null ? null : new float[n * chw.length];
        for (int i = 0; i < n; i++) {
          data.get(chw);
          if (arrays == null) {
            input.put(i, chw);
          } else {
            System.arraycopy(chw, 0, all, i * chw.length, chw.length);
          }
          indices[i] = batch.inputIndex(i);
        }
        if (arrays == null) {
          inputs.accept(input, n, indices);
        } else {
          arrays.accept(all, n, indices);
        }
      }
      PipelineReport report = pipeline.report();
      progress.finish(report);
      return new Report(report.delivered(), report.unreadable());
    } catch (ImageDecodeException e) {
      throw FitException.failed(
          what
              + ": cannot read image "
              + e.getMessage()
              + " (--on-bad-image fail; use --on-bad-image skip to skip and count such images)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FitException.failed(what + ": interrupted", e);
    }
  }

  /** Rate-limited progress on stderr. */
  private static final class ProgressLine {
    private final String what;
    private final PrintWriter err;
    private long lastNanos = System.nanoTime();

    private final boolean periodic;

    ProgressLine(String what, PrintWriter err, boolean periodic) {
      this.what = what;
      this.err = err;
      this.periodic = periodic;
    }

    void update(Progress p) {
      if (!periodic) {
        return;
      }
      long now = System.nanoTime();
      if (now - lastNanos >= 2_000_000_000L && p.done() < p.total()) {
        lastNanos = now;
        err.println("mos fit: " + what + ": " + p);
        err.flush();
      }
    }

    void finish(PipelineReport r) {
      err.printf(
          "mos fit: %s: %d images in %.1f s (%.1f images/s), %d unreadable skipped%n",
          what,
          r.delivered(),
          r.seconds(),
          r.seconds() > 0 ? r.delivered() / r.seconds() : 0.0,
          r.unreadable().size());
      err.flush();
    }
  }
}
