package org.mos.evaluator.fit;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.mos.common.data.Sample;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PipelineReport;
import org.mos.common.image.UnreadableImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleStream;
import org.mos.common.inference.InputBatch;
import org.mos.common.score.FloatMatrix;
import org.mos.evaluator.transport.ScoringTransport;

/**
 * Runs a bundle model over an image set and hands each batch's outputs to a consumer, so that a fit
 * streams over any number of images: {@link BundleStream} decodes and preprocesses on worker
 * threads (a bounded number of batches in flight), each batch is run through ONNX Runtime and
 * dropped. Unreadable images are skipped and counted, or stop the run, by policy. What is {@code
 * mos fit}'s own: its messages (skipped images, the end line, the hint of a failure) and a progress
 * line (images, rate, ETA) on stderr at most every two seconds.
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
  private final ScoringTransport remote;

  /** The chunked pass over the remote transport or the cache, or null for plain passes. */
  private final ChunkedPass chunks;

  OutputCollector(
      BundleModel model, int batchSize, int workers, BadFilePolicy policy, PrintWriter err) {
    this(model, batchSize, workers, policy, err, null, null, null, 1);
  }

  /**
   * @param remote the transport that runs the bundle elsewhere, or null for this process
   * @param via the transport's description in the end lines, or null
   * @param cache the root of the resumable chunk cache, or null
   * @param chunkRows images per chunk
   */
  OutputCollector(
      BundleModel model,
      int batchSize,
      int workers,
      BadFilePolicy policy,
      PrintWriter err,
      ScoringTransport remote,
      String via,
      Path cache,
      int chunkRows) {
    this.model = model;
    this.batchSize = batchSize;
    this.workers = workers;
    this.policy = policy;
    this.err = err;
    this.remote = remote;
    this.chunks =
        remote != null || cache != null
            ? new ChunkedPass(model, batchSize, workers, policy, err, remote, via, cache, chunkRows)
            : null;
  }

  /**
   * Whether {@link #collect} runs in chunks (a remote transport or a cache): passes that can use it
   * then take it over their own model runs.
   */
  boolean chunked() {
    return chunks != null;
  }

  /** Whether the bundle runs elsewhere: only {@link #collect} is possible. */
  boolean remote() {
    return remote != null;
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
    if (chunks != null) {
      return chunks.run(what, set, List.copyOf(outputs), consumer);
    }
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
    if (remote != null) {
      // refused before any work (RemoteFitCheck); this names the pass if a new one slips through
      throw FitException.usage(
          what
              + " runs the bundle's graphs on this machine, which the "
              + remote.name()
              + " transport cannot: give --transport in-process");
    }
    // array passes (the tuning) print their own progress: decoding runs ahead of their model runs
    FitProgress progress = new FitProgress(what, err, arrays == null);
    try (BundleStream<Sample> stream =
        BundleStream.builder(model, set.samples(), (Sample s) -> ImageSource.of(s.path()))
            .optBatchSize(batchSize)
            .optThreads(workers)
            .optBadFilePolicy(policy)
            .optProgressListener(progress::update)
            .build()) {
      while (stream.hasNext()) {
        BundleStream<Sample>.Batch batch = stream.next();
        for (UnreadableImage u : batch.skipped()) {
          err.println("mos fit: skipped unreadable image " + u.source() + ": " + u.reason());
        }
        if (batch.size() == 0) {
          continue;
        }
        if (arrays == null) {
          inputs.accept(batch.input(), batch.size(), batch.inputIndices());
        } else {
          arrays.accept(batch.pixels(), batch.size(), batch.inputIndices());
        }
      }
      PipelineReport report = stream.report();
      progress.finish(report.delivered(), report.seconds(), report.unreadable().size(), null);
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
}
