package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.data.Sample;
import org.mos.common.image.UnreadableImage;
import org.mos.common.score.FloatMatrix;

/** The chunk files of {@code mos fit --cache}: round trip, completion marker, stale keys. */
class ExtractionCacheTest {

  @TempDir Path dir;

  private static List<Sample> images(String... names) {
    return java.util.Arrays.stream(names).map(n -> Sample.unlabelled(Path.of("/data", n))).toList();
  }

  private ExtractionCache open(List<Sample> samples, List<String> log) throws Exception {
    return ExtractionCache.open(
        dir, "knn-fit-set", "abc", "resize 4", List.of("features", "logits"), 2, samples, log::add);
  }

  @Test
  void aWrittenChunkReadsBackExactlyAndCountsOnlyWhenItsRowsFileExists() throws Exception {
    List<String> log = new ArrayList<>();
    ExtractionCache cache = open(images("a.png", "b.png", "c.png"), log);
    assertThat(cache.has(0)).isFalse();
    FloatMatrix features = FloatMatrix.wrap(new float[] {1.5f, -2f, 0.1f, 3e-8f}, 2, 2);
    FloatMatrix logits = FloatMatrix.wrap(new float[] {7f, 8f, 9f, 10f, 11f, 12f}, 2, 3);
    cache.write(
        0,
        new ExtractionCache.Chunk(
            new int[] {0, 1},
            Map.of("features", features, "logits", logits),
            List.of(new UnreadableImage(5, "/data/x.png", "not a PNG"))));
    assertThat(cache.has(0)).isTrue();
    ExtractionCache.Chunk back = open(images("a.png", "b.png", "c.png"), log).read(0);
    assertThat(back.rows()).containsExactly(0, 1);
    assertThat(back.outputs().get("features").toArray()).containsExactly(features.toArray());
    assertThat(back.outputs().get("logits").toArray()).containsExactly(logits.toArray());
    assertThat(back.outputs().get("logits").cols()).isEqualTo(3);
    assertThat(back.skipped()).containsExactly(new UnreadableImage(5, "/data/x.png", "not a PNG"));
    assertThat(log).isEmpty();

    // outputs written, the rows file not yet: an interrupted chunk is extracted again
    Files.delete(cache.dir().resolve("chunk-00000.rows.npy"));
    assertThat(cache.has(0)).isFalse();
  }

  @Test
  void aCacheOfAnotherImageListIsRemovedAndTheLogSaysWhatChanged() throws Exception {
    List<String> log = new ArrayList<>();
    ExtractionCache first = open(images("a.png", "b.png"), log);
    first.write(0, new ExtractionCache.Chunk(new int[] {}, Map.of(), List.of()));
    assertThat(first.has(0)).isTrue();
    ExtractionCache second = open(images("a.png", "c.png"), log);
    assertThat(second.dir()).isNotEqualTo(first.dir());
    assertThat(first.dir()).doesNotExist();
    assertThat(second.has(0)).isFalse();
    assertThat(log)
        .singleElement()
        .asString()
        .startsWith("the cache " + first.dir() + " was made for image list sha256 ")
        .endsWith("): not reused, removing it");
  }
}
