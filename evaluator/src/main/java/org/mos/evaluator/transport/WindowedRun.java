package org.mos.evaluator.transport;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One {@link ScoringTransport#score} call of a remote transport: pulls at most {@code window} tasks
 * from upstream that have no result yet (the back-pressure), hands each to {@link #send}, and emits
 * exactly one result per task: a second reply for the same task (a redelivery) and a reply for a
 * task this run does not hold are dropped. The stream completes when upstream has completed and
 * every task has its result.
 */
abstract class WindowedRun {

  private final int window;
  private final Map<Long, ImageTask> inFlight = new ConcurrentHashMap<>();
  private final AtomicBoolean upstreamDone = new AtomicBoolean();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicLong demanded = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private volatile Flow.Subscription subscription;
  private volatile MultiEmitter<? super ScoredImage> emitter;

  WindowedRun(int window) {
    if (window < 1) {
      throw new IllegalArgumentException("the in-flight window is " + window + "; expected 1+");
    }
    this.window = window;
  }

  /** The results of {@code tasks}; subscribing starts the run. */
  final Multi<ScoredImage> results(Multi<ImageTask> tasks) {
    return Multi.createFrom()
        .<ScoredImage>emitter(
            em -> {
              emitter = em;
              em.onTermination(this::terminated);
              tasks.subscribe().withSubscriber(new Upstream());
            },
            BackPressureStrategy.BUFFER);
  }

  /**
   * Sends one task on its way; its result comes back through {@link #complete}. May be called on
   * upstream's thread or on the thread that completed an earlier task. A failure here becomes a
   * failed result of this task.
   */
  protected abstract void send(ImageTask task) throws Exception;

  /**
   * Called when every task upstream was asked for has been handed to {@link #send} (none will come
   * until a result frees a slot) or upstream has completed: a transport that groups tasks sends
   * what it holds.
   */
  protected void flush() {}

  /** Called once when the run ends (completed, failed or cancelled): release its resources. */
  protected void ended() {}

  /**
   * The result of the task {@code seq}, built from that task; returns false (and emits nothing)
   * when the run holds no such task: already answered, or not one of this run's.
   */
  final boolean complete(long seq, Function<ImageTask, ScoredImage> result) {
    synchronized (this) {
      // remove, emit and the completion check under one lock, so that no result is emitted
      // after the stream completed
      ImageTask task = inFlight.remove(seq);
      if (task == null || finished.get()) {
        return false;
      }
      emitter.emit(result.apply(task));
      finishIfDone();
    }
    if (!finished.get()) {
      demanded.incrementAndGet();
      subscription.request(1);
    }
    return true;
  }

  /** Fails the whole run (the transport broke); later results are dropped. */
  final synchronized void fail(Throwable error) {
    if (finished.compareAndSet(false, true)) {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      if (emitter != null) {
        emitter.fail(error);
      }
    }
  }

  /** Whether the task {@code seq} is waiting for its result. */
  final boolean holds(long seq) {
    return inFlight.containsKey(seq);
  }

  /** The task {@code seq} if it is waiting for its result, else null. */
  final ImageTask task(long seq) {
    return inFlight.get(seq);
  }

  /** How many tasks are waiting for their result. */
  final int inFlightCount() {
    return inFlight.size();
  }

  final boolean isFinished() {
    return finished.get();
  }

  private synchronized void finishIfDone() {
    if (upstreamDone.get() && inFlight.isEmpty() && finished.compareAndSet(false, true)) {
      emitter.complete();
    }
  }

  private void terminated() {
    finished.set(true);
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    ended();
  }

  private final class Upstream implements MultiSubscriber<ImageTask> {

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      demanded.addAndGet(window);
      s.request(window);
    }

    @Override
    public void onItem(ImageTask task) {
      if (finished.get()) {
        return;
      }
      if (inFlight.putIfAbsent(task.seq(), task) != null) {
        fail(new IllegalArgumentException("task seq " + task.seq() + " appears twice in one run"));
        return;
      }
      try {
        send(task);
      } catch (Exception e) {
        complete(task.seq(), t -> ScoredImage.failed(t, "cannot send " + t.path() + ": " + e));
      }
      if (received.incrementAndGet() == demanded.get()) {
        flush();
      }
    }

    @Override
    public void onFailure(Throwable failure) {
      fail(failure);
    }

    @Override
    public void onCompletion() {
      upstreamDone.set(true);
      flush();
      finishIfDone();
    }
  }
}
