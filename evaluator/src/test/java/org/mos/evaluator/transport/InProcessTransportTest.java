package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.synthetic.SyntheticBundle;

class InProcessTransportTest {

  @TempDir Path dir;
  Path image;
  InProcessTransport transport;

  @BeforeEach
  void open() throws IOException {
    // flat 2-class model: logits = (f0, -f0), f = normalised colour
    Path bundle = dir.resolve("b");
    new SyntheticBundle(
            4,
            List.of("a", "b"),
            null,
            new float[][] {{1, 0, 0}, {-1, 0, 0}},
            new float[] {0, 0},
            Map.of())
        .writeTo(bundle);
    image = dir.resolve("red.png");
    BufferedImage img = new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        img.setRGB(x, y, 0xFF0000);
      }
    }
    ImageIO.write(img, "png", image.toFile());
    transport = InProcessTransport.open(bundle, InferenceOptions.cpu(), 4, 2, 2, System::nanoTime);
  }

  @AfterEach
  void close() {
    transport.close();
  }

  private ImageTask task(long seq, Path path) {
    return new ImageTask(seq, "set", "img" + seq, path, -1);
  }

  @Test
  void scoresEveryTaskOnceAndMarksUndecodableOnesFailed() throws IOException {
    Path broken = dir.resolve("broken.png");
    Files.writeString(broken, "garbage");
    List<ImageTask> tasks = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      tasks.add(task(i, i == 5 ? broken : image));
    }
    List<ScoredImage> out =
        transport
            .score(Multi.createFrom().iterable(tasks), List.of("msp", "maxlogit"))
            .collect()
            .asList()
            .await()
            .atMost(Duration.ofSeconds(30));
    assertThat(out).hasSize(11);
    assertThat(out.stream().map(ScoredImage::seq).sorted().toList())
        .isEqualTo(LongStream.range(0, 11).boxed().toList());
    for (ScoredImage r : out) {
      if (r.seq() == 5) {
        assertThat(r.failed()).isTrue();
        assertThat(r.scores()).isEmpty();
      } else {
        // red: f0 = 1, logits (1, -1): class a, MSP = 1 / (1 + e^-2), max logit 1
        assertThat(r.predictedClass()).isZero();
        assertThat(r.scores().get("msp"))
            .isCloseTo(1 / (1 + Math.exp(-2)), org.assertj.core.api.Assertions.within(1e-6));
        assertThat(r.scores().get("maxlogit"))
            .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
      }
    }
    assertThat(transport.scoringSeconds()).containsOnlyKeys("msp", "maxlogit");
  }

  @Test
  void pullsOnlyABoundedNumberOfTasksAheadOfASlowConsumer() throws InterruptedException {
    AtomicInteger pulled = new AtomicInteger();
    Multi<ImageTask> endless =
        Multi.createFrom()
            .range(0, 1_000_000)
            .map(i -> task(i, image))
            .onItem()
            .invoke(t -> pulled.incrementAndGet());
    AssertSubscriber<ScoredImage> consumer =
        transport
            .score(endless, List.of("msp"))
            .subscribe()
            .withSubscriber(AssertSubscriber.create(1));
    consumer.awaitItems(1, Duration.ofSeconds(30));
    Thread.sleep(500); // give an unbounded pipeline time to run ahead
    // batch 4, 2 batches in flight: a few batches ahead at most, not the million
    assertThat(pulled.get()).isLessThanOrEqualTo(4 * 4);
    consumer.request(20);
    consumer.awaitItems(21, Duration.ofSeconds(30));
    consumer.cancel();
  }
}
