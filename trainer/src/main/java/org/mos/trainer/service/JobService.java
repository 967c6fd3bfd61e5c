package org.mos.trainer.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.mos.common.data.DatasetException;
import org.mos.trainer.config.TrainerConfig;
import org.mos.trainer.train.TrainSpec;
import org.mos.trainer.train.TrainingRun;

/**
 * The trainer service's job queue over the configured work folder, with metrics: {@code
 * trainer_jobs{state}} (jobs by state), {@code trainer_steps_total} and {@code
 * trainer_step_seconds}. Created on first use (the {@code serve} command or a request), so plain
 * CLI runs never touch the work folder.
 */
@ApplicationScoped
public class JobService {

  private static final Logger LOG = Logger.getLogger(JobService.class);

  @Inject TrainerConfig config;

  @Inject MeterRegistry registry;

  private JobQueue queue;
  private JobStore store;
  private JobPaths paths;

  @PostConstruct
  void start() {
    store = new JobStore(config.workDir());
    List<Path> roots = new ArrayList<>(config.jobRoots());
    roots.add(config.workDir()); // outputs default to WORK/jobs/ID/out
    paths = new JobPaths(roots);
    Counter steps = registry.counter("trainer.steps");
    Timer stepTime = registry.timer("trainer.step");
    queue =
        new JobQueue(
            store,
            (spec, listener, stop) -> new TrainingRun(spec, listener, stop).run(),
            new JobQueue.Observer() {
              @Override
              public void onEvent(JobEvent event) {
                if ("log".equals(event.type())) {
                  LOG.infof("job %s: %s", event.id(), event.message());
                }
              }

              @Override
              public void onStepFinished(long nanos) {
                steps.increment();
                stepTime.record(nanos, TimeUnit.NANOSECONDS);
              }
            });
    for (JobState state : JobState.values()) {
      Gauge.builder("trainer.jobs", queue, q -> count(q, state))
          .tag("state", state.json())
          .description("Training jobs by state")
          .register(registry);
    }
    queue.start();
    LOG.infof(
        "trainer job queue in %s; jobs may use paths under %s",
        config.workDir().toAbsolutePath(), paths.roots());
  }

  private static double count(JobQueue q, JobState state) {
    return q.list().stream().filter(s -> s.state() == state).count();
  }

  @PreDestroy
  void stop() throws InterruptedException {
    queue.close();
  }

  /** The work folder (calling this starts the queue: the {@code serve} command does at start). */
  public Path workDir() {
    return config.workDir().toAbsolutePath();
  }

  /**
   * Checks and queues a job.
   *
   * @throws IllegalArgumentException or DatasetException with the reason the spec is invalid
   * @throws PathOutsideRootsException when a path of the job lies outside the job roots
   */
  public JobStatus submit(TrainSpec spec) {
    if (spec == null) {
      throw new IllegalArgumentException("the request has no job spec");
    }
    spec.validate();
    paths.confine(spec);
    requireExists(spec.train, "train");
    if (spec.val != null) {
      requireExists(spec.val, "val");
    }
    if (spec.weights != null) {
      requireExists(spec.weights, "weights");
    }
    if (spec.groups != null && !spec.groups.matches("[0-9,\\s]+")) {
      requireExists(spec.groups, "groups");
    }
    return queue.submit(spec);
  }

  private static void requireExists(String path, String field) {
    if (!Files.exists(Path.of(path))) {
      throw new DatasetException(field + " " + path + " does not exist");
    }
  }

  public Optional<JobStatus> get(String id) {
    return queue.get(id);
  }

  public List<JobStatus> list() {
    return queue.list();
  }

  public Optional<JobStatus> cancel(String id) {
    return queue.cancel(id);
  }

  public void subscribe(Consumer<JobEvent> subscriber) {
    queue.subscribe(subscriber);
  }

  public void unsubscribe(Consumer<JobEvent> subscriber) {
    queue.unsubscribe(subscriber);
  }

  /** Whether the work folder is writable (readiness). */
  public boolean ready() {
    return store.writable();
  }

  /** Whether the worker thread is alive (liveness). */
  public boolean live() {
    return queue.healthy();
  }
}
