package org.mos.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PipelineReport;
import org.mos.common.image.UnreadableImage;
import org.mos.common.score.FloatMatrix;

class BundleStreamTest {

  @TempDir Path tmp;

  private ModelBundle bundle;
  private BundleModel model;

  @BeforeEach
  void open() throws Exception {
    Path dir = tmp.resolve("flat");
    BundleModelTest.flatBundle(Map.of()).writeTo(dir);
    bundle = ModelBundle.open(dir);
    model = BundleModel.open(bundle, InferenceOptions.cpu());
  }

  @AfterEach
  void close() throws Exception {
    model.close();
    bundle.close();
  }

  /** Input i is a solid grey image of level 20 i, or unreadable bytes when i is in {@code bad}. */
  private static Function<Integer, ImageSource> images(Set<Integer> bad) {
    return i ->
        bad.contains(i)
            ? ImageSource.of("bad" + i, "not an image".getBytes(StandardCharsets.UTF_8))
            : ImageSource.of("img" + i, greyPng(20 * i));
  }

  /** The first feature of input i: its normalised grey level, (20 i / 255 - 0.5) / 0.5. */
  private static float feature(int i) {
    return (20 * i / 255f - 0.5f) / 0.5f;
  }

  private static byte[] greyPng(int level) {
    BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        img.setRGB(x, y, (level << 16) | (level << 8) | level);
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

  private static List<Integer> inputs(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  @Test
  void deliversEveryImageInInputOrderWithItsOwnOutputs() throws Exception {
    List<Integer> seen = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, inputs(7), images(Set.of()))
            .optBatchSize(3)
            .optThreads(3)
            .optBatchesInFlight(3)
            .build()) {
      while (stream.hasNext()) {
        BundleStream<Integer>.Batch batch = stream.next();
        sizes.add(batch.size());
        Map<String, FloatMatrix> out = batch.outputs(List.of("features", "logits"));
        int[] indices = batch.inputIndices();
        for (int r = 0; r < batch.size(); r++) {
          seen.add(indices[r]);
          float f = feature(indices[r]);
          // grey: all three channels alike; logits = (1 f + .5, 2 f, -1 f + .25)
          assertThat(out.get("features").row(r))
              .containsExactly(new float[] {f, f, f}, within(1e-6f));
          assertThat(out.get("logits").row(r))
              .containsExactly(new float[] {f + 0.5f, 2 * f, 0.25f - f}, within(1e-5f));
        }
      }
      assertThat(stream.report().delivered()).isEqualTo(7);
    }
    assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5, 6);
    assertThat(sizes).containsExactly(3, 3, 1);
  }

  @Test
  void neverDecodesMoreThanItsBatchesInFlightAhead() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    Function<Integer, ImageSource> all = images(Set.of());
    Function<Integer, ImageSource> counting =
        i -> {
          opened.incrementAndGet();
          return all.apply(i);
        };
    List<Integer> openedAtBatch = new ArrayList<>();
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, inputs(12), counting)
            .optBatchSize(2)
            .optThreads(4)
            .optBatchesInFlight(2)
            .build()) {
      while (stream.hasNext()) {
        BundleStream<Integer>.Batch batch = stream.next();
        // the held batch and at most one more being filled: (number + 2) batches of 2
        openedAtBatch.add(opened.get());
        assertThat(opened.get()).isLessThanOrEqualTo(2 * (batch.number() + 2));
        assertThat(batch.pixels()).hasSize(2 * 3 * 4 * 4);
      }
    }
    assertThat(openedAtBatch).hasSize(6);
    assertThat(opened.get()).isEqualTo(12);
  }

  /** 0, 1, 2, ... without end, counting how many were pulled. */
  private static Iterator<Integer> endless(AtomicInteger pulled) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Integer next() {
        return pulled.getAndIncrement();
      }
    };
  }

  @Test
  void pullsAnEndlessSourceInOrderNoFurtherThanItsBatchesInFlightAhead() throws Exception {
    AtomicInteger pulled = new AtomicInteger();
    Function<Integer, ImageSource> levels = images(Set.of(5));
    List<Integer> seen = new ArrayList<>();
    List<Integer> skipped = new ArrayList<>();
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, endless(pulled), (Integer i) -> levels.apply(i % 12))
            .optBatchSize(2)
            .optThreads(3)
            .optBatchesInFlight(2)
            .build()) {
      for (int b = 0; b < 6; b++) {
        assertThat(stream.hasNext()).isTrue();
        BundleStream<Integer>.Batch batch = stream.next();
        assertThat(batch.number()).isEqualTo(b);
        // the held batch and at most one more pulled: (b + 2) batches of 2
        assertThat(pulled.get()).isLessThanOrEqualTo(2 * (b + 2));
        batch.skipped().forEach(u -> skipped.add(u.index()));
        if (batch.size() == 0) {
          continue;
        }
        FloatMatrix features = batch.outputs(List.of("features")).get("features");
        int[] indices = batch.inputIndices();
        for (int r = 0; r < batch.size(); r++) {
          seen.add(indices[r]);
          float f = feature(indices[r] % 12);
          assertThat(features.row(r)).containsExactly(new float[] {f, f, f}, within(1e-6f));
        }
      }
      assertThat(stream.report().inputs()).isEqualTo(12);
    }
    assertThat(seen).containsExactly(0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11);
    assertThat(skipped).containsExactly(5);
    assertThat(pulled.get()).isLessThanOrEqualTo(16);
  }

  @Test
  void endsAFiniteLazySourceWithProgressWithoutTotal() throws Exception {
    List<Long> done = new ArrayList<>();
    List<Long> totals = new ArrayList<>();
    List<Integer> seen = new ArrayList<>();
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, inputs(5).iterator(), images(Set.of()))
            .optBatchSize(2)
            .optThreads(2)
            .optProgressListener(
                p -> {
                  done.add(p.done());
                  totals.add(p.total());
                })
            .build()) {
      while (stream.hasNext()) {
        for (int i : stream.next().inputIndices()) {
          seen.add(i);
        }
      }
      assertThat(stream.hasNext()).isFalse();
      PipelineReport report = stream.report();
      assertThat(report.inputs()).isEqualTo(5);
      assertThat(report.delivered()).isEqualTo(5);
    }
    assertThat(seen).containsExactly(0, 1, 2, 3, 4);
    assertThat(done).containsExactly(2L, 4L, 5L);
    assertThat(totals).containsOnly(-1L);
  }

  @Test
  void aFailingLazySourceStopsTheStreamNamingHowFarItGot() throws Exception {
    Iterator<Integer> source =
        new Iterator<>() {
          int next;

          @Override
          public boolean hasNext() {
            return true;
          }

          @Override
          public Integer next() {
            if (next == 3) {
              throw new IllegalStateException("source broke");
            }
            return next++;
          }
        };
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, source, images(Set.of())).optBatchSize(2).build()) {
      assertThat(stream.next().inputIndices()).containsExactly(0, 1);
      assertThat(stream.hasNext()).isTrue();
      assertThatThrownBy(stream::next)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("the input source failed after 3 inputs")
          .hasRootCauseMessage("source broke");
      assertThat(stream.hasNext()).isFalse();
    }
  }

  @Test
  void skipPolicyLeavesABadImageOutAndListsItInItsBatch() throws Exception {
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, inputs(4), images(Set.of(1)))
            .optBatchSize(2)
            .optThreads(2)
            .optBadFilePolicy(BadFilePolicy.SKIP)
            .build()) {
      BundleStream<Integer>.Batch first = stream.next();
      assertThat(first.inputIndices()).containsExactly(0);
      assertThat(first.skipped()).extracting(UnreadableImage::index).containsExactly(1);
      assertThat(first.skipped().get(0).source()).isEqualTo("bad1");
      assertThat(first.outputs(List.of("features")).get("features").row(0)[0])
          .isCloseTo(feature(0), within(1e-6f));
      BundleStream<Integer>.Batch second = stream.next();
      assertThat(second.inputIndices()).containsExactly(2, 3);
      assertThat(second.skipped()).isEmpty();
      assertThat(second.input().floatsPerImage()).isEqualTo(3 * 4 * 4);
      assertThat(stream.hasNext()).isFalse();
      PipelineReport report = stream.report();
      assertThat(report.delivered()).isEqualTo(3);
      assertThat(report.unreadable()).extracting(UnreadableImage::source).containsExactly("bad1");
    }
  }

  @Test
  void failPolicyStopsAtTheFirstBadImageInInputOrder() throws Exception {
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, inputs(8), images(Set.of(3, 5)))
            .optBatchSize(2)
            .optThreads(4)
            .optBadFilePolicy(BadFilePolicy.FAIL)
            .build()) {
      assertThat(stream.next().inputIndices()).containsExactly(0, 1);
      assertThatThrownBy(stream::next)
          .isInstanceOf(ImageDecodeException.class)
          .hasMessageContaining("bad3");
      assertThat(stream.hasNext()).isFalse();
    }
  }

  @Test
  void aBatchOfOnlyBadImagesHasNoRowsAndRefusesToRun() throws Exception {
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, inputs(4), images(Set.of(2, 3)))
            .optBatchSize(2)
            .optThreads(1)
            .build()) {
      stream.next();
      BundleStream<Integer>.Batch empty = stream.next();
      assertThat(empty.size()).isZero();
      assertThat(empty.skipped()).extracting(UnreadableImage::index).containsExactly(2, 3);
      assertThatThrownBy(() -> empty.outputs(List.of("logits")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batch 1 has no readable image");
    }
  }

  @Test
  void reportsProgressAfterEachBatchCountingSkippedImages() throws Exception {
    List<Long> done = new ArrayList<>();
    List<Long> totals = new ArrayList<>();
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, inputs(5), images(Set.of(2)))
            .optBatchSize(2)
            .optThreads(2)
            .optProgressListener(
                p -> {
                  done.add(p.done());
                  totals.add(p.total());
                })
            .build()) {
      while (stream.hasNext()) {
        stream.next();
      }
    }
    assertThat(done).containsExactly(2L, 4L, 5L);
    assertThat(totals).containsOnly(5L);
  }

  @Test
  void scoresEachRowWithTheBundleScorer() throws Exception {
    BundleScorer scorer = BundleScorer.of(bundle);
    ScoreRequest msp = new ScoreRequest(List.of("msp"), ScoreRequest.DEFAULT_TPR, 0, false, false);
    try (BundleStream<Integer> stream =
        BundleStream.builder(model, List.of(1, 12), images(Set.of())).optThreads(1).build()) {
      List<ImageResult> results = stream.next().scores(scorer, msp).images();
      // grey 20: f = -0.843, logits (-0.343, -1.686, 1.093): class 2;
      // grey 240: f = 0.882, logits (1.382, 1.765, -0.632): class 1
      assertThat(results).extracting(ImageResult::predictedClass).containsExactly(2, 1);
      for (int r = 0; r < 2; r++) {
        double f = feature(r == 0 ? 1 : 12);
        double[] logits = {f + 0.5, 2 * f, 0.25 - f};
        double sum = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
          sum += Math.exp(l);
          max = Math.max(max, l);
        }
        assertThat(results.get(r).scores().get("msp")).isCloseTo(Math.exp(max) / sum, within(1e-5));
      }
    }
  }

  @Test
  void refusesABatchSizeBelowOneNamingIt() {
    assertThatThrownBy(
            () -> BundleStream.builder(model, inputs(2), images(Set.of())).optBatchSize(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batch size is 0; expected 1 or more");
  }
}
