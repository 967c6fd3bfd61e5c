package org.mos.scorer.service;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.mos.common.inference.InputBatch;

/**
 * Coalesces concurrent jobs of one model: a single worker thread takes the first waiting job, waits
 * up to {@code maxWait} for more until {@code maxBatch} images are gathered, and runs them as one
 * ONNX Runtime call. A job larger than {@code maxBatch} runs alone, in chunks.
 */
final class MicroBatcher implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(MicroBatcher.class);
  private static final Job STOP = new Job(List.of(), null, null);

  private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final BatchRunner runner;
  private final InputBatch batch;
  private final long maxWaitNanos;
  private final Thread worker;

  MicroBatcher(String name, BatchRunner runner, InputBatch batch, long maxWaitNanos) {
    this.runner = runner;
    this.batch = batch;
    this.maxWaitNanos = maxWaitNanos;
    this.worker = new Thread(this::loop, "mos-batcher-" + name);
    worker.setDaemon(true);
    worker.start();
  }

  void submit(Job job) {
    if (!worker.isAlive()) {
      throw new IllegalStateException("the batcher is stopped");
    }
    queue.add(job);
  }

  private void loop() {
    Job carried = null;
    while (true) {
      try {
        Job first = carried != null ? carried : queue.take();
        carried = null;
        if (first == STOP) {
          return;
        }
        if (first.size() > batch.capacity()) {
          runner.runAlone(first, batch);
          continue;
        }
        List<Job> jobs = new ArrayList<>();
        jobs.add(first);
        int images = first.size();
        long deadline = System.nanoTime() + maxWaitNanos;
        while (images < batch.capacity()) {
          long left = deadline - System.nanoTime();
          Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
          if (next == null) {
            break;
          }
          if (next == STOP || images + next.size() > batch.capacity()) {
            carried = next;
            break;
          }
          jobs.add(next);
          images += next.size();
        }
        runner.runTogether(jobs, batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("micro-batch failed", e);
      }
    }
  }

  /** Runs what is queued, then stops the worker. */
  @Override
  public void close() {
    queue.add(STOP);
    try {
      worker.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
