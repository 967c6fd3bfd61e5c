package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The window, the exactly-once emission and the completion rules shared by remote transports. */
class WindowedRunTest {

  private static ImageTask task(long seq) {
    return new ImageTask(seq, "id", "img" + seq, Path.of("img" + seq + ".png"), 0);
  }

  /** A run whose sends are recorded; replies are given by the test. */
  private static final class RecordingRun extends WindowedRun {
    final List<Long> sent = new CopyOnWriteArrayList<>();
    int flushes;

    RecordingRun(int window) {
      super(window);
    }

    @Override
    protected void send(ImageTask task) {
      sent.add(task.seq());
    }

    @Override
    protected void flush() {
      flushes++;
    }

    boolean reply(long seq) {
      return complete(seq, t -> ScoredImage.of(t, 1, Map.of("msp", 0.5)));
    }
  }

  @Test
  void sendsNoMoreThanTheWindowUntilResultsComeBack() {
    RecordingRun run = new RecordingRun(3);
    AssertSubscriber<ScoredImage> out =
        run.results(
                Multi.createFrom()
                    .items(LongStream.range(0, 10).boxed())
                    .map(WindowedRunTest::task))
            .subscribe()
            .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
    assertThat(run.sent).containsExactly(0L, 1L, 2L);
    assertThat(run.flushes).isEqualTo(1);
    run.reply(1);
    assertThat(run.sent).containsExactly(0L, 1L, 2L, 3L);
    out.assertNotTerminated();
  }

  @Test
  void emitsEachTaskOnceAndDropsDuplicatesAndForeignReplies() {
    RecordingRun run = new RecordingRun(4);
    AssertSubscriber<ScoredImage> out =
        run.results(Multi.createFrom().items(task(0), task(1), task(2)))
            .subscribe()
            .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
    assertThat(run.reply(1)).isTrue();
    assertThat(run.reply(1)).isFalse(); // a redelivered reply
    assertThat(run.reply(7)).isFalse(); // a seq this run never sent
    assertThat(run.reply(0)).isTrue();
    out.assertNotTerminated();
    assertThat(run.reply(2)).isTrue();
    out.assertCompleted();
    assertThat(out.getItems()).extracting(ScoredImage::seq).containsExactly(1L, 0L, 2L);
    assertThat(run.reply(2)).isFalse();
    assertThat(out.getItems()).hasSize(3);
  }

  @Test
  void aSendThatThrowsBecomesAFailedResultOfThatTask() {
    WindowedRun run =
        new WindowedRun(2) {
          @Override
          protected void send(ImageTask task) throws Exception {
            throw new java.io.IOException("no such file");
          }
        };
    List<ScoredImage> out =
        run.results(Multi.createFrom().items(task(0), task(1), task(2)))
            .collect()
            .asList()
            .await()
            .indefinitely();
    assertThat(out).hasSize(3).allMatch(ScoredImage::failed);
    assertThat(out.get(0).error()).contains("no such file");
  }

  @Test
  void aBrokenTransportFailsTheStream() {
    RecordingRun run = new RecordingRun(2);
    AssertSubscriber<ScoredImage> out =
        run.results(Multi.createFrom().items(task(0), task(1)))
            .subscribe()
            .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
    run.reply(0);
    run.fail(new TransportException("the stream broke"));
    out.assertFailedWith(TransportException.class, "the stream broke");
    assertThat(run.reply(1)).isFalse();
  }

  @Test
  void aSeqTwiceInOneRunIsRefused() {
    RecordingRun run = new RecordingRun(4);
    assertThatThrownBy(
            () ->
                run.results(Multi.createFrom().items(task(0), task(0)))
                    .collect()
                    .asList()
                    .await()
                    .indefinitely())
        .hasMessageContaining("task seq 0 appears twice");
  }
}
