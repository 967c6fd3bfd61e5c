package org.mos.scorer.service;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import org.mos.common.inference.InputBatch;

/**
 * Coalesces concurrent jobs of one model. Each of {@code runners} worker threads takes the first
 * waiting job, adds every job already queued behind it up to {@code maxBatch} images, waits up to
 * {@code maxWait} for more only when that is above zero, and runs them as one ONNX Runtime call.
 * With no wait, a lone request runs at once, and the requests that arrive while a batch is running
 * are batched together as soon as a runner is free: the batch size follows the load. A job larger
 * than {@code maxBatch} runs alone, in chunks.
 */
final class MicroBatcher implements AutoCloseable {

  /** What runs the gathered jobs ({@link BatchRunner} in the service). */
  interface Sink {
    void runTogether(List<Job> jobs, InputBatch batch);

    void runAlone(Job job, InputBatch batch);
  }

  private static final Logger LOG = Logger.getLogger(MicroBatcher.class);
  private static final Job STOP = new Job(List.of(), null, null);

  private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Sink sink;
  private final int maxBatch;
  private final long maxWaitNanos;
  private final List<Thread> workers = new ArrayList<>();

  /**
   * Starts the runners.
   *
   * @param batches makes each runner's reusable input batch (room for {@code maxBatch} images)
   */
  MicroBatcher(
      String name,
      Sink sink,
      Supplier<InputBatch> batches,
      int maxBatch,
      long maxWaitNanos,
      int runners) {
    if (maxBatch < 1 || runners < 1 || maxWaitNanos < 0) {
      throw new IllegalArgumentException(
          "micro-batching needs max-batch >= 1, runners >= 1 and max-wait >= 0; got "
              + maxBatch
              + ", "
              + runners
              + " and "
              + maxWaitNanos
              + " ns");
    }
    this.sink = sink;
    this.maxBatch = maxBatch;
    this.maxWaitNanos = maxWaitNanos;
    for (int r = 0; r < runners; r++) {
      InputBatch batch = batches.get();
      Thread worker = new Thread(() -> loop(batch), "mos-batcher-" + name + "-" + r);
      worker.setDaemon(true);
      workers.add(worker);
    }
    workers.forEach(Thread::start);
  }

  void submit(Job job) {
    if (workers.stream().noneMatch(Thread::isAlive)) {
      throw new IllegalStateException("the batcher is stopped");
    }
    queue.add(job);
  }

  private void loop(InputBatch batch) {
    Job carried = null;
    while (true) {
      try {
        Job first = carried != null ? carried : queue.take();
        carried = null;
        if (first == STOP) {
          return;
        }
        if (first.size() > maxBatch) {
          sink.runAlone(first, batch);
          continue;
        }
        List<Job> jobs = new ArrayList<>();
        jobs.add(first);
        carried = gather(jobs, first.size());
        sink.runTogether(jobs, batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("micro-batch failed", e);
      }
    }
  }

  /** Adds queued jobs to {@code jobs}; returns a job taken that does not fit, or null. */
  private Job gather(List<Job> jobs, int images) throws InterruptedException {
    long deadline = System.nanoTime() + maxWaitNanos;
    while (images < maxBatch) {
      Job next = queue.poll();
      if (next == null && maxWaitNanos > 0) {
        long left = deadline - System.nanoTime();
        next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
      }
      if (next == null) {
        return null;
      }
      if (next == STOP || images + next.size() > maxBatch) {
        return next;
      }
      jobs.add(next);
      images += next.size();
    }
    return null;
  }

  /** Runs what is queued, then stops the runners. */
  @Override
  public void close() {
    for (int i = 0; i < workers.size(); i++) {
      queue.add(STOP);
    }
    try {
      for (Thread worker : workers) {
        worker.join(10_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
