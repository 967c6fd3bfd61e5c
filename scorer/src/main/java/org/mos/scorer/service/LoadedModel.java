package org.mos.scorer.service;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.InputBatch;

/**
 * One served model: the opened bundle, its ONNX session, its scorer and (when on) its
 * micro-batcher. Requests hold it between {@link #acquire()} and {@link #release()}; a reload
 * retires it, and it closes once the last request that held it has finished, so a reload drops no
 * request.
 */
public final class LoadedModel {

  private static final Logger LOG = Logger.getLogger(LoadedModel.class);

  private final String name;
  private final BundleStamp stamp;
  private final ModelBundle bundle;
  private final BundleModel model;
  private final BundleScorer scorer;
  private final BatchRunner runner;
  private final MicroBatcher batcher;
  private final int maxBatch;
  // without micro-batching: at most one run per core at a time, each with a reused input buffer
  private final Semaphore runs =
      new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()));
  private final Queue<InputBatch> freeBatches = new ConcurrentLinkedQueue<>();
  private final AtomicInteger users = new AtomicInteger();
  private final AtomicBoolean retired = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  LoadedModel(
      String name,
      BundleStamp stamp,
      ModelBundle bundle,
      BundleModel model,
      BundleScorer scorer,
      BatchRunner runner,
      boolean batching,
      int maxBatch,
      long maxWaitNanos,
      int runners) {
    this.name = name;
    this.stamp = stamp;
    this.bundle = bundle;
    this.model = model;
    this.scorer = scorer;
    this.runner = runner;
    this.maxBatch = maxBatch;
    this.batcher =
        batching
            ? new MicroBatcher(
                name, runner, () -> model.newInputBatch(maxBatch), maxBatch, maxWaitNanos, runners)
            : null;
  }

  public String name() {
    return name;
  }

  BundleStamp stamp() {
    return stamp;
  }

  public BundleModel model() {
    return model;
  }

  public BundleScorer scorer() {
    return scorer;
  }

  /** Registers a user; false when the model was retired meanwhile (look it up again). */
  boolean acquire() {
    users.incrementAndGet();
    if (retired.get()) {
      release();
      return false;
    }
    return true;
  }

  public void release() {
    if (users.decrementAndGet() == 0 && retired.get()) {
      closeNow();
    }
  }

  /** Runs a job: through the micro-batcher when on, else in the calling thread. */
  void run(Job job) {
    if (batcher != null) {
      batcher.submit(job);
    } else {
      runs.acquireUninterruptibly();
      InputBatch batch = freeBatches.poll();
      try {
        if (batch == null) {
          batch = model.newInputBatch(maxBatch);
        }
        runner.runAlone(job, batch);
      } finally {
        if (batch != null) {
          freeBatches.add(batch);
        }
        runs.release();
      }
    }
  }

  /** No new users; closes when the current ones are done. */
  void retire() {
    retired.set(true);
    if (users.get() == 0) {
      closeNow();
    }
  }

  private void closeNow() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (batcher != null) {
      batcher.close();
    }
    model.close();
    try {
      bundle.close();
    } catch (IOException e) {
      LOG.warnf("could not clean up the extracted copy of model %s: %s", name, e.getMessage());
    }
    LOG.infof("closed model %s", name);
  }
}
