package org.mos.scorer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mos.common.inference.InputBatch;

class MicroBatcherTest {

  /** Records the image count of every run; the first {@code blocked} runs wait for a release. */
  private static final class RecordingSink implements MicroBatcher.Sink {
    final List<Integer> runs = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch started;
    final Semaphore entered = new Semaphore(0);
    final int blocked;

    RecordingSink(int blocked) {
      this.blocked = blocked;
      this.started = new CountDownLatch(blocked);
    }

    @Override
    public void runTogether(List<Job> jobs, InputBatch batch) {
      int images = jobs.stream().mapToInt(Job::size).sum();
      entered.release();
      boolean block;
      synchronized (this) {
        block = started.getCount() > 0;
        started.countDown();
      }
      if (block) {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      runs.add(images);
      jobs.forEach(j -> j.result().complete(null));
    }

    @Override
    public void runAlone(Job job, InputBatch batch) {
      runs.add(-job.size());
      job.result().complete(null);
    }
  }

  private static Job job(int images) {
    return new Job(Collections.nCopies(images, new Object()), null, new CompletableFuture<>());
  }

  private static MicroBatcher batcher(RecordingSink sink, int maxBatch, long waitMs, int runners) {
    return new MicroBatcher(
        "test", sink, () -> null, maxBatch, TimeUnit.MILLISECONDS.toNanos(waitMs), runners);
  }

  /**
   * Once the sink holds the first run, submits {@code queued}, then lets every run go and waits for
   * the queued jobs' results.
   */
  private static void queueBehindTheFirstRun(
      MicroBatcher batcher, RecordingSink sink, List<Job> queued) throws Exception {
    assertThat(sink.started.await(5, TimeUnit.SECONDS)).isTrue();
    queued.forEach(batcher::submit);
    sink.release.countDown();
    for (Job j : queued) {
      j.result().get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void runsALoneJobAtOnceWhenThereIsNoWait() throws Exception {
    RecordingSink sink = new RecordingSink(0);
    try (MicroBatcher batcher = batcher(sink, 16, 0, 1)) {
      long start = System.nanoTime();
      Job job = job(1);
      batcher.submit(job);
      job.result().get(5, TimeUnit.SECONDS);
      assertThat(sink.runs).containsExactly(1);
      // a 10 s wait would have been spent here with the old always-wait policy
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
    }
  }

  @Test
  void batchesTheJobsThatQueueWhileABatchRuns() throws Exception {
    RecordingSink sink = new RecordingSink(1);
    try (MicroBatcher batcher = batcher(sink, 16, 0, 1)) {
      Job first = job(1);
      batcher.submit(first);
      queueBehindTheFirstRun(batcher, sink, List.of(job(1), job(2), job(1)));
      assertThat(sink.runs).containsExactly(1, 4);
    }
  }

  @Test
  void neverRunsMoreThanMaxBatchImagesTogether() throws Exception {
    RecordingSink sink = new RecordingSink(1);
    try (MicroBatcher batcher = batcher(sink, 3, 0, 1)) {
      batcher.submit(job(1));
      queueBehindTheFirstRun(batcher, sink, List.of(job(2), job(1), job(2), job(2), job(4)));
      // 2+1 fill a batch of 3; two jobs of 2 do not fit together; 4 is above max-batch: alone
      assertThat(sink.runs).containsExactly(1, 3, 2, 2, -4);
    }
  }

  @Test
  void waitsForCompanyOnlyWhenAWaitIsConfigured() throws Exception {
    RecordingSink sink = new RecordingSink(0);
    try (MicroBatcher batcher = batcher(sink, 4, 2_000, 1)) {
      Job a = job(1);
      Job b = job(1);
      batcher.submit(a);
      Thread.sleep(200);
      batcher.submit(b);
      b.result().get(5, TimeUnit.SECONDS);
      assertThat(sink.runs).containsExactly(2);
    }
  }

  @Test
  void twoRunnersRunTwoBatchesAtTheSameTime() throws Exception {
    RecordingSink sink = new RecordingSink(2);
    try (MicroBatcher batcher = batcher(sink, 16, 0, 2)) {
      batcher.submit(job(1));
      // the first run is inside the sink (and stays there) before the second job comes
      assertThat(sink.entered.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
      batcher.submit(job(1));
      // the second runner takes it while the first is still blocked, or this times out
      assertThat(sink.entered.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
      sink.release.countDown();
    }
    assertThat(sink.runs).containsExactly(1, 1);
  }

  @Test
  void rejectsANegativeWaitOrNoRunner() {
    assertThatThrownBy(() -> batcher(new RecordingSink(0), 16, -1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max-wait >= 0");
    assertThatThrownBy(() -> batcher(new RecordingSink(0), 16, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("runners >= 1");
  }
}
