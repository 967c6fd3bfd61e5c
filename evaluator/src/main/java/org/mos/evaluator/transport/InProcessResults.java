package org.mos.evaluator.transport;

import io.smallrye.mutiny.Multi;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.ImageSource;
import org.mos.common.image.RgbImage;
import org.mos.common.image.UnreadableImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.BundleStream;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoringPass;

/**
 * The results of one {@link InProcessTransport#score} call, in task order: pulls tasks through a
 * {@link BundleStream} (decoding on its worker threads) and scores each of its batches with {@link
 * BundleScorer}, one call per method so that each method's time can be told apart.
 */
final class InProcessResults implements Iterator<ScoredImage>, AutoCloseable {

  /**
   * Where a run adds its times: the plain forward passes ({@code forwardNanos}) and each method's
   * scoring ({@code scoringNanos}), on {@code clock}; {@code release} unregisters a closed stream.
   */
  record Timings(
      LongSupplier clock,
      LongAdder forwardNanos,
      Map<String, LongAdder> scoringNanos,
      Consumer<BundleStream<ImageTask>> release) {}

  private final ScoreRequest request;
  private final BundleScorer scorer;
  private final BundleModel model;
  private final int batchSize;
  private final Timings timings;
  private final Iterator<ImageTask> source;

  /** Tasks pulled by the stream, in order, until their batch comes out. */
  private final Queue<ImageTask> pulled = new ConcurrentLinkedQueue<>();

  private final BundleStream<ImageTask> stream;
  private final Deque<ScoredImage> ready = new ArrayDeque<>();

  /**
   * @param streams opens the stream of the (recorded) tasks' images through the model
   */
  InProcessResults(
      Multi<ImageTask> tasks,
      ScoreRequest request,
      Function<Iterator<ImageTask>, BundleStream<ImageTask>> streams,
      BundleScorer scorer,
      BundleModel model,
      int batchSize,
      Timings timings) {
    this.request = request;
    this.scorer = scorer;
    this.model = model;
    this.batchSize = batchSize;
    this.timings = timings;
    // one batch of tasks buffered between the source and the stream
    this.source =
        tasks
            .subscribe()
            .asIterable(batchSize, () -> new ArrayBlockingQueue<>(batchSize))
            .iterator();
    Iterator<ImageTask> recording =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return source.hasNext();
          }

          @Override
          public ImageTask next() {
            ImageTask task = source.next();
            pulled.add(task);
            return task;
          }
        };
    this.stream = streams.apply(recording);
  }

  @Override
  public boolean hasNext() {
    if (ready.isEmpty() && stream.hasNext()) {
      try {
        ready.addAll(scoreBatch(stream.next()));
      } catch (ImageDecodeException e) {
        throw new IllegalStateException("unreachable: bad images are skipped", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for images", e);
      }
    }
    return !ready.isEmpty();
  }

  @Override
  public ScoredImage next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more tasks");
    }
    return ready.poll();
  }

  private List<ScoredImage> scoreBatch(BundleStream<ImageTask>.Batch batch) {
    List<ImageTask> tasks = new ArrayList<>();
    for (int i = batch.size() + batch.skipped().size(); i > 0; i--) {
      tasks.add(pulled.remove());
    }
    Map<Integer, String> errors = new HashMap<>();
    for (UnreadableImage u : batch.skipped()) {
      errors.put(u.index(), u.reason());
    }
    int first = batch.number() * batchSize; // the input index of the batch's first task
    List<ScoredImage> out = new ArrayList<>(tasks.size());
    if (batch.size() == 0) {
      for (int i = 0; i < tasks.size(); i++) {
        out.add(ScoredImage.failed(tasks.get(i), errors.get(first + i)));
      }
      return out;
    }
    ScoringPass pass =
        scorer.pass(model, batch.input(), List.of(new ScoringPass.Part(request, batch.size())));
    long forwardStart = timings.clock().getAsLong();
    pass.plainOutputs();
    timings.forwardNanos().add(timings.clock().getAsLong() - forwardStart);
    List<Map<String, Double>> scores = new ArrayList<>(batch.size());
    for (int r = 0; r < batch.size(); r++) {
      scores.add(new LinkedHashMap<>());
    }
    for (String method : request.methods()) {
      long start = timings.clock().getAsLong();
      // a method's passes on perturbed inputs run inside its own call: its time, not the shared
      // forward's (ODIN's gradient graph recomputes the forward it needs)
      double[] values = pass.scores(0, method);
      timings
          .scoringNanos()
          .computeIfAbsent(method, m -> new LongAdder())
          .add(timings.clock().getAsLong() - start);
      for (int r = 0; r < values.length; r++) {
        scores.get(r).put(method, values[r]);
      }
    }
    List<ImageResult> images = pass.score(0).images();
    int row = 0;
    for (int i = 0; i < tasks.size(); i++) {
      ImageTask task = tasks.get(i);
      String error = errors.get(first + i);
      if (error != null) {
        out.add(ScoredImage.failed(task, error));
      } else {
        out.add(ScoredImage.of(task, images.get(row).predictedClass(), scores.get(row)));
        row++;
      }
    }
    return out;
  }

  @Override
  public void close() {
    stream.close();
    timings.release().accept(stream);
  }

  /**
   * Reads a task's image file; an unexpected failure is an unreadable image too, so one bad file
   * never stops the run (mos evaluate applies --on-bad-image).
   */
  static ImageSource imageOf(ImageTask task) {
    ImageSource file = ImageSource.of(task.path());
    return new ImageSource() {
      @Override
      public String name() {
        return file.name();
      }

      @Override
      public RgbImage decode(ImageDecoder decoder) throws ImageDecodeException {
        try {
          return file.decode(decoder);
        } catch (RuntimeException e) {
          throw new ImageDecodeException(
              file.name(), "cannot read or preprocess the image: " + e, e);
        }
      }
    };
  }
}
