package org.mos.trainer.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.mos.trainer.train.TrainSpec;
import org.mos.trainer.train.TrainingRun;

/**
 * Training jobs run one at a time, in submission order, on one worker thread. Every state change is
 * saved in the {@link JobStore}; {@link #start()} picks up what a previous process left: queued
 * jobs wait again and a job that was running is queued first with {@code resume} set, so it
 * continues from its last checkpoint. Stopping the queue ({@link #close()}) stops a running job at
 * the next step (it saves a checkpoint) and leaves it {@code running} on disk for that reason.
 */
public final class JobQueue implements AutoCloseable {

  /** Runs one job; {@link TrainingRun} in production. */
  public interface Runner {
    TrainingRun.Outcome run(TrainSpec spec, TrainingRun.Listener listener, BooleanSupplier stop)
        throws Exception;
  }

  /** Told about every event and every finished step (for metrics). */
  public interface Observer {
    default void onEvent(JobEvent event) {}

    default void onStepFinished(long nanos) {}
  }

  private final JobStore store;
  private final Runner runner;
  private final Observer observer;
  private final Map<String, JobStatus> jobs = new LinkedHashMap<>();
  private final Map<String, Boolean> cancelRequested = new LinkedHashMap<>();
  private final BlockingQueue<String> pending = new LinkedBlockingQueue<>();
  private final List<Consumer<JobEvent>> subscribers = new CopyOnWriteArrayList<>();
  private volatile boolean stopping;
  private volatile boolean busy;
  private Thread worker;

  public JobQueue(JobStore store, Runner runner, Observer observer) {
    this.store = store;
    this.runner = runner;
    this.observer = observer;
  }

  /** Loads the saved jobs, re-queues unfinished ones and starts the worker; idempotent. */
  public synchronized void start() {
    if (worker != null) {
      return;
    }
    List<String> resumed = new ArrayList<>();
    List<String> queued = new ArrayList<>();
    for (JobStatus saved : store.loadAll()) {
      JobStatus s = saved;
      if (s.state() == JobState.RUNNING) {
        s.spec().resume = true; // continue from the last checkpoint under its output folder
        s = with(s, JobState.QUEUED, null);
        store.save(s);
        resumed.add(s.id());
      } else if (s.state() == JobState.QUEUED) {
        queued.add(s.id());
      }
      jobs.put(s.id(), s);
    }
    pending.addAll(resumed);
    pending.addAll(queued);
    worker = new Thread(this::work, "trainer-jobs");
    worker.setDaemon(true);
    worker.start();
  }

  /** Whether the worker thread is alive (or not started yet). */
  public synchronized boolean healthy() {
    return worker == null || worker.isAlive() || stopping;
  }

  /**
   * Queues a job. The spec must already be validated; without an output folder the job writes to
   * {@code WORK/jobs/ID/out}.
   */
  public JobStatus submit(TrainSpec spec) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    synchronized (this) {
      while (jobs.containsKey(id)) {
        id = UUID.randomUUID().toString().substring(0, 8);
      }
      if (spec.out == null) {
        spec.out = store.dir(id).resolve("out").toString();
      }
      String now = Instant.now().toString();
      JobStatus s =
          new JobStatus(id, JobState.QUEUED, spec, 0, null, null, null, null, null, null, now, now);
      jobs.put(id, s);
      store.save(s);
      pending.add(id);
      emit(JobEvent.state(s));
      return s;
    }
  }

  public synchronized Optional<JobStatus> get(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  public synchronized List<JobStatus> list() {
    return List.copyOf(jobs.values());
  }

  /**
   * Cancels a job: a queued one at once, a running one at its next step (after a checkpoint); a
   * finished job stays as it is.
   */
  public synchronized Optional<JobStatus> cancel(String id) {
    JobStatus s = jobs.get(id);
    if (s == null) {
      return Optional.empty();
    }
    if (s.state() == JobState.QUEUED) {
      pending.remove(id);
      s = update(with(s, JobState.CANCELLED, null));
    } else if (s.state() == JobState.RUNNING) {
      cancelRequested.put(id, true);
    }
    return Optional.of(s);
  }

  /** Receives every event until removed. */
  public void subscribe(Consumer<JobEvent> subscriber) {
    subscribers.add(subscriber);
  }

  public void unsubscribe(Consumer<JobEvent> subscriber) {
    subscribers.remove(subscriber);
  }

  private void work() {
    while (!stopping) {
      String id;
      try {
        id = pending.take();
      } catch (InterruptedException e) {
        return;
      }
      JobStatus s;
      synchronized (this) {
        s = jobs.get(id);
        if (s == null || s.state() != JobState.QUEUED) {
          continue; // cancelled while waiting
        }
        s = update(with(s, JobState.RUNNING, null));
      }
      busy = true;
      try {
        runOne(s);
      } finally {
        busy = false;
      }
    }
  }

  private void runOne(JobStatus s) {
    String id = s.id();
    BooleanSupplier stop = () -> stopping || cancelRequested.getOrDefault(id, false);
    try {
      TrainingRun.Outcome outcome = runner.run(s.spec(), new Progress(id), stop);
      synchronized (this) {
        if (stopping && !cancelRequested.getOrDefault(id, false)) {
          return; // shutting down: stays "running" on disk and resumes on the next start
        }
        JobStatus now = jobs.get(id);
        update(with(now, outcome.cancelled() ? JobState.CANCELLED : JobState.SUCCEEDED, null));
      }
    } catch (Throwable t) {
      synchronized (this) {
        if (stopping && !cancelRequested.getOrDefault(id, false)) {
          return; // interrupted by the shutdown: resumes on the next start
        }
        String reason = t.getMessage() != null ? t.getMessage() : t.toString();
        if (t.getCause() != null && t.getCause().getMessage() != null) {
          reason = t.getCause().getMessage();
        }
        update(with(jobs.get(id), JobState.FAILED, reason));
      }
    } finally {
      synchronized (this) {
        cancelRequested.remove(id);
      }
    }
  }

  /** Saves and publishes a new status; caller holds the lock. */
  private JobStatus update(JobStatus s) {
    jobs.put(s.id(), s);
    store.save(s);
    emit(JobEvent.state(s));
    return s;
  }

  private void emit(JobEvent event) {
    observer.onEvent(event);
    for (Consumer<JobEvent> subscriber : subscribers) {
      subscriber.accept(event);
    }
  }

  private static JobStatus with(JobStatus s, JobState state, String error) {
    return new JobStatus(
        s.id(),
        state,
        s.spec(),
        s.step(),
        s.totalSteps(),
        s.loss(),
        s.accuracy(),
        s.checkpoints(),
        s.checkpoint(),
        error,
        s.created(),
        Instant.now().toString());
  }

  /** Copies a run's progress into the job's status and events. */
  private final class Progress implements TrainingRun.Listener {
    private final String id;

    Progress(String id) {
      this.id = id;
    }

    @Override
    public void onMessage(String line) {
      emit(JobEvent.log(id, line));
    }

    @Override
    public void onStep(TrainingRun.StepMetrics m) {
      synchronized (JobQueue.this) {
        JobStatus s = jobs.get(id);
        jobs.put(
            id,
            new JobStatus(
                id,
                s.state(),
                s.spec(),
                m.step(),
                m.totalSteps(),
                m.loss(),
                m.valTop1() != null ? m.valTop1() : s.accuracy(),
                s.checkpoints(),
                s.checkpoint(),
                s.error(),
                s.created(),
                Instant.now().toString()));
      }
      emit(
          new JobEvent(
              "step",
              id,
              JobState.RUNNING,
              m.step(),
              m.totalSteps(),
              m.loss(),
              m.lr(),
              m.imagesPerSecond(),
              m.eta().toSeconds(),
              m.valLoss(),
              m.valTop1(),
              null));
    }

    @Override
    public void onCheckpoint(int step, java.nio.file.Path file) {
      synchronized (JobQueue.this) {
        JobStatus s = jobs.get(id);
        List<Integer> steps = new ArrayList<>(s.checkpoints());
        if (steps.isEmpty() || steps.get(steps.size() - 1) != step) {
          steps.add(step);
        }
        JobStatus now =
            new JobStatus(
                id,
                s.state(),
                s.spec(),
                step,
                s.totalSteps(),
                s.loss(),
                s.accuracy(),
                steps,
                file.toString(),
                s.error(),
                s.created(),
                Instant.now().toString());
        jobs.put(id, now);
        store.save(now); // the saved step tells a restarted service where the job stands
      }
      emit(
          new JobEvent(
              "checkpoint",
              id,
              JobState.RUNNING,
              step,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              file.toString()));
    }

    @Override
    public void onStepFinished(long nanos) {
      observer.onStepFinished(nanos);
    }
  }

  /** Stops the worker: a running job stops at its next step and resumes on the next start. */
  @Override
  public void close() throws InterruptedException {
    Thread w;
    synchronized (this) {
      stopping = true;
      w = worker;
    }
    if (w != null) {
      if (!busy) {
        w.interrupt(); // waiting for a job; a running one stops itself after its current step
      }
      w.join(60_000);
    }
  }
}
