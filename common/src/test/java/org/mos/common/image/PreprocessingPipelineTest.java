package org.mos.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PreprocessingPipelineTest {

  private static final PreprocessSpec SPEC = PreprocessSpec.test(4);
  private static final int FLOATS = SPEC.floatsPerImage();

  /** A 3x2 PNG filled with a colour derived from {@code i}, so every input is recognisable. */
  private static byte[] png(int i) {
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        img.setRGB(x, y, (red(i) << 16) | ((255 - red(i)) << 8) | 7);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static int red(int i) {
    return (i * 37) % 256;
  }

  private static float normalised(int v) {
    return (v / 255f - 0.5f) / 0.5f;
  }

  /** Inputs named img-0..img-(n-1); the given indices hold bytes that are not an image. */
  private static List<ImageSource> inputs(int n, Set<Integer> bad) {
    List<ImageSource> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] bytes = bad.contains(i) ? "not an image".getBytes() : png(i);
      list.add(ImageSource.of("img-" + i, bytes));
    }
    return list;
  }

  /** Decodes slowly and unevenly so that workers finish out of order. */
  private static Function<ImageSource, ImageSource> jittery(AtomicInteger opened) {
    return source -> {
      opened.incrementAndGet();
      int n = Integer.parseInt(source.name().substring(4));
      try {
        Thread.sleep((n * 7) % 5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return source;
    };
  }

  private static List<Thread> pipelineThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("mos-image-pipeline-"))
        .toList();
  }

  @AfterEach
  void noThreadOutlivesItsPipeline() {
    assertThat(pipelineThreads()).isEmpty();
  }

  @Test
  void batchesComeOutInInputOrderWhateverOrderWorkersFinish() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    List<Integer> seen = new ArrayList<>();
    try (var pipeline =
        PreprocessingPipeline.builder(inputs(23, Set.of()), jittery(opened))
            .setSpec(SPEC)
            .optBatchSize(5)
            .optThreads(3)
            .build()) {
      while (pipeline.hasNext()) {
        ImageBatch batch = pipeline.next();
        FloatBuffer data = batch.data();
        assertThat(data.remaining()).isEqualTo(batch.size() * FLOATS);
        for (int row = 0; row < batch.size(); row++) {
          int input = batch.inputIndex(row);
          seen.add(input);
          // R plane, G plane of this row's image
          assertThat(data.get(row * FLOATS)).isEqualTo(normalised(red(input)));
          assertThat(data.get(row * FLOATS + 16)).isEqualTo(normalised(255 - red(input)));
        }
      }
      assertThat(pipeline.report().delivered()).isEqualTo(23);
      assertThat(pipeline.report().unreadable()).isEmpty();
    }
    assertThat(seen)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 23).boxed().toList());
    assertThat(opened.get()).isEqualTo(23);
  }

  @Test
  void skipPolicyLeavesUnreadableInputsOutAndReportsThem() throws Exception {
    List<ImageBatch> batches = new ArrayList<>();
    List<List<Integer>> rows = new ArrayList<>();
    PipelineReport report;
    try (var pipeline =
        PreprocessingPipeline.builder(inputs(12, Set.of(2, 7, 8)), Function.<ImageSource>identity())
            .setSpec(SPEC)
            .optBatchSize(5)
            .optThreads(2)
            .optBadFilePolicy(BadFilePolicy.SKIP)
            .build()) {
      while (pipeline.hasNext()) {
        ImageBatch batch = pipeline.next();
        batches.add(batch);
        List<Integer> r = new ArrayList<>();
        for (int row = 0; row < batch.size(); row++) {
          r.add(batch.inputIndex(row));
          assertThat(batch.data().get(row * FLOATS))
              .as("packed image of input " + batch.inputIndex(row))
              .isEqualTo(normalised(red(batch.inputIndex(row))));
        }
        rows.add(r);
      }
      report = pipeline.report();
    }
    assertThat(rows).containsExactly(List.of(0, 1, 3, 4), List.of(5, 6, 9), List.of(10, 11));
    assertThat(batches.get(0).skipped()).extracting(UnreadableImage::index).containsExactly(2);
    assertThat(batches.get(1).skipped())
        .extracting(UnreadableImage::source)
        .containsExactly("img-7", "img-8");
    assertThat(batches.get(2).skipped()).isEmpty();
    assertThat(report.delivered()).isEqualTo(9);
    assertThat(report.unreadable()).extracting(UnreadableImage::index).containsExactly(2, 7, 8);
    assertThat(report.unreadable().get(0).reason()).startsWith("not a recognised image format");
    assertThat(report.toString()).contains("#7 img-7: not a recognised image format");
  }

  @Test
  void failPolicyStopsAtTheFirstUnreadableInputNamingIt() throws Exception {
    try (var pipeline =
        PreprocessingPipeline.builder(inputs(40, Set.of(7, 9)), Function.<ImageSource>identity())
            .setSpec(SPEC)
            .optBatchSize(5)
            .optThreads(2)
            .optBadFilePolicy(BadFilePolicy.FAIL)
            .build()) {
      assertThat(pipeline.next().size()).isEqualTo(5);
      assertThatThrownBy(pipeline::next)
          .isInstanceOf(ImageDecodeException.class)
          .hasMessageStartingWith("img-7: not a recognised image format");
      assertThat(pipeline.hasNext()).isFalse();
      assertThat(pipelineThreads()).as("stopped on failure, before close()").isEmpty();
    }
  }

  @Test
  void unexpectedErrorsStopThePipelineNamingTheInput() throws Exception {
    List<String> names = List.of("a.jpg", "b.jpg", "c.jpg");
    Function<String, ImageSource> opener =
        name -> {
          if (name.equals("b.jpg")) {
            throw new IllegalArgumentException("bad record");
          }
          return ImageSource.of(name, png(1));
        };
    try (var pipeline =
        PreprocessingPipeline.builder(names, opener).setSpec(SPEC).optBatchSize(3).build()) {
      assertThatThrownBy(pipeline::next)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("preprocessing failed unexpectedly on input #1 (b.jpg)")
          .hasRootCauseMessage("bad record");
      assertThat(pipeline.hasNext()).isFalse();
    }
  }

  @Test
  void slowConsumerHoldsTheProducerBackToTheBufferBound() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    int batchSize = 4;
    int inFlight = 2;
    try (var pipeline =
        PreprocessingPipeline.builder(inputs(200, Set.of()), jittery(opened))
            .setSpec(SPEC)
            .optBatchSize(batchSize)
            .optThreads(2)
            .optBatchesInFlight(inFlight)
            .build()) {
      for (int taken = 1; taken <= 3; taken++) {
        pipeline.next();
        Thread.sleep(300); // a slow consumer
        assertThat(opened.get())
            .as("inputs opened after taking %d batches", taken)
            .isLessThanOrEqualTo((taken + inFlight - 1) * batchSize);
      }
    }
    assertThat(opened.get()).isLessThan(200);
  }

  @Test
  void earlyCloseStopsAllThreads() throws Exception {
    var pipeline =
        PreprocessingPipeline.builder(inputs(100, Set.of()), jittery(new AtomicInteger()))
            .setSpec(SPEC)
            .optBatchSize(3)
            .optThreads(3)
            .build();
    pipeline.next();
    assertThat(pipelineThreads()).isNotEmpty();
    pipeline.close();
    assertThat(pipelineThreads()).isEmpty();
    assertThat(pipeline.hasNext()).isFalse();
    assertThatThrownBy(pipeline::next).hasMessage("the pipeline is closed");
  }

  @Test
  void threadsStopOnceTheLastBatchIsOut() throws Exception {
    var pipeline =
        PreprocessingPipeline.builder(inputs(7, Set.of()), Function.<ImageSource>identity())
            .setSpec(SPEC)
            .optBatchSize(3)
            .build();
    while (pipeline.hasNext()) {
      pipeline.next();
    }
    assertThat(pipelineThreads()).as("before close()").isEmpty();
    pipeline.close();
  }

  @Test
  void progressCountsInputsAndEstimatesTimeLeft() throws Exception {
    List<Progress> progress = new ArrayList<>();
    try (var pipeline =
        PreprocessingPipeline.builder(inputs(11, Set.of(4)), Function.<ImageSource>identity())
            .setSpec(SPEC)
            .optBatchSize(4)
            .optProgressListener(progress::add)
            .build()) {
      while (pipeline.hasNext()) {
        pipeline.next();
      }
    }
    assertThat(progress).extracting(Progress::done).containsExactly(4L, 8L, 11L);
    assertThat(progress).extracting(Progress::total).containsOnly(11L);
    assertThat(progress.get(0).imagesPerSecond()).isPositive();
    assertThat(progress.get(2).eta()).isZero();
  }

  @Test
  void trainingRandomnessDependsOnTheSeedNotOnThreadScheduling() throws Exception {
    PreprocessSpec train = PreprocessSpec.train(9, 5);
    float[] one = run(train, 1, 42L);
    assertThat(run(train, 3, 42L)).isEqualTo(one);
    assertThat(run(train, 2, 43L)).isNotEqualTo(one);
  }

  /** Concatenated outputs of a training pipeline over the real-photo crops (varied content). */
  private static float[] run(PreprocessSpec spec, int threads, long seed) throws Exception {
    List<java.nio.file.Path> files = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      files.add(Fixtures.file(i % 2 == 0 ? "china_crop.png" : "flower_crop.png"));
    }
    Set<Integer> used = ConcurrentHashMap.newKeySet();
    float[] all = new float[6 * spec.floatsPerImage()];
    try (var pipeline =
        PreprocessingPipeline.builder(files, ImageSource::of)
            .setSpec(spec)
            .optBatchSize(4)
            .optThreads(threads)
            .optSeed(seed)
            .build()) {
      int at = 0;
      while (pipeline.hasNext()) {
        FloatBuffer data = pipeline.next().data();
        used.add(data.remaining());
        data.get(all, at, data.remaining());
        at += data.remaining();
      }
    }
    return all;
  }
}
