package org.mos.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.train.TrainSpec;
import org.mos.trainer.train.TrainingRun;

class JobQueueTest {

  @TempDir Path work;

  private static TrainSpec spec(String train) {
    TrainSpec spec = new TrainSpec();
    spec.train = train;
    spec.groups = "2,2";
    return spec;
  }

  /** Records what it was asked to run and reports a few steps and a checkpoint. */
  private static final class FakeRunner implements JobQueue.Runner {
    final List<TrainSpec> ran = new CopyOnWriteArrayList<>();

    @Override
    public TrainingRun.Outcome run(
        TrainSpec spec, TrainingRun.Listener listener, java.util.function.BooleanSupplier stop) {
      ran.add(spec);
      listener.onStep(new TrainingRun.StepMetrics(3, 3, 0.5, 0.001, 10, Duration.ZERO, 0.7, 0.75));
      Path ckpt = Path.of(spec.out, "checkpoint.npz");
      listener.onCheckpoint(3, ckpt);
      return new TrainingRun.Outcome(3, 3, false, ckpt, 0);
    }
  }

  private static JobStatus await(Supplier<JobStatus> status, JobState state) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < end) {
      JobStatus s = status.get();
      if (s.state() == state) {
        return s;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no state " + state + ": " + status.get());
  }

  @Test
  void aJobLeftRunningByAStoppedServiceResumesFromItsCheckpointOnTheNextStart() throws Exception {
    JobStore store = new JobStore(work);
    String now = Instant.now().toString();
    TrainSpec interrupted = spec("/data/train");
    interrupted.out = work.resolve("jobs/aaaa/out").toString();
    store.save(
        new JobStatus(
            "aaaa",
            JobState.RUNNING,
            interrupted,
            40,
            100,
            0.9,
            null,
            List.of(20, 40),
            interrupted.out + "/checkpoint.npz",
            null,
            now,
            now));
    store.save(
        new JobStatus(
            "bbbb",
            JobState.SUCCEEDED,
            spec("/data/other"),
            100,
            100,
            0.1,
            null,
            List.of(100),
            null,
            null,
            now,
            now));

    FakeRunner runner = new FakeRunner();
    try (JobQueue queue = new JobQueue(new JobStore(work), runner, new JobQueue.Observer() {})) {
      queue.start();
      JobStatus done = await(() -> queue.get("aaaa").orElseThrow(), JobState.SUCCEEDED);
      assertThat(runner.ran).hasSize(1); // the finished job is not run again
      assertThat(runner.ran.get(0).resume).isTrue();
      assertThat(runner.ran.get(0).out).isEqualTo(interrupted.out);
      assertThat(done.checkpoints()).containsExactly(20, 40, 3);
      assertThat(done.accuracy()).isEqualTo(0.75);
    }
    // the final state is on disk for the next process
    assertThat(new JobStore(work).loadAll())
        .extracting(JobStatus::id, JobStatus::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("aaaa", JobState.SUCCEEDED),
            org.assertj.core.groups.Tuple.tuple("bbbb", JobState.SUCCEEDED));
  }

  @Test
  void aQueuedJobCancelledBeforeItStartsNeverRuns() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FakeRunner fake = new FakeRunner();
    JobQueue.Runner blocking =
        (spec, listener, stop) -> {
          release.await();
          return fake.run(spec, listener, stop);
        };
    try (JobQueue queue = new JobQueue(new JobStore(work), blocking, new JobQueue.Observer() {})) {
      queue.start();
      JobStatus first = queue.submit(spec("/data/one"));
      JobStatus second = queue.submit(spec("/data/two"));
      await(() -> queue.get(first.id()).orElseThrow(), JobState.RUNNING);
      assertThat(queue.cancel(second.id()).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
      release.countDown();
      await(() -> queue.get(first.id()).orElseThrow(), JobState.SUCCEEDED);
      assertThat(fake.ran).extracting(s -> s.train).containsExactly("/data/one");
      assertThat(first.spec().out)
          .isEqualTo(work.resolve("jobs/" + first.id() + "/out").toString());
    }
  }
}
