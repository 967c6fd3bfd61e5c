package org.mos.common.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.image.UnreadableImage;
import org.mos.common.score.FloatMatrix;

/** The one cache of extracted outputs: chunk round trip, completion marker, keys, mapping. */
class ChunkCacheTest {

  @TempDir Path dir;

  private static final ChunkCache.Owner FIT = new ChunkCache.Owner("knn fit set", "--cache", true);

  private static List<Path> images(String... names) {
    return java.util.Arrays.stream(names).map(n -> Path.of("/data", n)).toList();
  }

  private static ExtractionKey key(List<Path> images) {
    return new ExtractionKey("abc", "resize 4", List.of("features", "logits"), 2, images);
  }

  private ChunkCache open(List<Path> images, ChunkCache.Owner owner, List<String> log)
      throws Exception {
    return ChunkCache.open(dir.resolve("cache"), "knn-fit-set", key(images), owner, log::add);
  }

  @Test
  void aWrittenChunkReadsBackExactlyAndCountsOnlyWhenItsRowsFileExists() throws Exception {
    List<String> log = new ArrayList<>();
    ChunkCache cache = open(images("a.png", "b.png", "c.png"), FIT, log);
    assertThat(cache.missing()).containsExactly(0, 1);
    FloatMatrix features = FloatMatrix.wrap(new float[] {1.5f, -2f, 0.1f, 3e-8f}, 2, 2);
    FloatMatrix logits = FloatMatrix.wrap(new float[] {7f, 8f, 9f, 10f, 11f, 12f}, 2, 3);
    cache.write(
        0,
        new CachedChunk(
            new int[] {0, 1},
            Map.of("features", features, "logits", logits),
            List.of(new UnreadableImage(5, "/data/x.png", "not a PNG"))));
    assertThat(cache.has(0)).isTrue();
    assertThat(cache.missing()).containsExactly(1);
    CachedChunk back = open(images("a.png", "b.png", "c.png"), FIT, log).read(0);
    assertThat(back.rows()).containsExactly(0, 1);
    assertThat(back.outputs().get("features").toArray()).containsExactly(features.toArray());
    assertThat(back.outputs().get("logits").toArray()).containsExactly(logits.toArray());
    assertThat(back.outputs().get("logits").cols()).isEqualTo(3);
    assertThat(back.skipped()).containsExactly(new UnreadableImage(5, "/data/x.png", "not a PNG"));
    assertThat(log).isEmpty();

    // outputs written, the rows file not yet: an interrupted chunk is extracted again
    Files.delete(ChunkFiles.rowsFile(cache.dir(), 0));
    assertThat(cache.has(0)).isFalse();
  }

  @Test
  void aCacheOfAnotherImageListIsRemovedAndTheLogSaysWhatChanged() throws Exception {
    List<String> log = new ArrayList<>();
    ChunkCache first = open(images("a.png", "b.png"), FIT, log);
    first.write(0, new CachedChunk(new int[] {}, Map.of(), List.of()));
    assertThat(first.has(0)).isTrue();
    ChunkCache second = open(images("a.png", "c.png"), FIT, log);
    assertThat(second.dir()).isNotEqualTo(first.dir());
    assertThat(first.dir()).doesNotExist();
    assertThat(second.has(0)).isFalse();
    assertThat(log)
        .singleElement()
        .asString()
        .startsWith("knn fit set: the cache " + first.dir() + " was made for image list sha256 ")
        .endsWith("): not reused, removing it");
  }

  @Test
  void aSharedRootKeepsTheCachesOfOtherLists() throws Exception {
    ChunkCache.Owner shared = new ChunkCache.Owner("features of train", "--feature-cache", false);
    List<String> log = new ArrayList<>();
    ChunkCache first = open(images("a.png", "b.png"), shared, log);
    ChunkCache second = open(images("a.png"), shared, log);
    assertThat(first.dir()).isDirectory();
    assertThat(second.dir()).isDirectory().isNotEqualTo(first.dir());
    assertThat(log)
        .containsExactly(
            "features of train: keeping " + first.dir() + " (another run's cache, maybe)");
  }

  @Test
  void aChunkHoldingAReplacedImageFileIsExtractedAgainAndTheOthersAreKept() throws Exception {
    List<Path> files = new ArrayList<>();
    for (String n : List.of("a.png", "b.png", "c.png")) {
      files.add(Files.writeString(dir.resolve(n), n));
    }
    ChunkCache.Owner owner = new ChunkCache.Owner("features of train", "--feature-cache", true);
    ChunkCache cache = ChunkCache.open(dir.resolve("cache"), "train", key(files), owner, l -> {});
    CachedChunk empty = new CachedChunk(new int[] {}, Map.of(), List.of());
    cache.write(0, empty);
    cache.write(1, empty);
    assertThat(cache.missing()).isEmpty();

    Files.writeString(files.get(2), "c.png, repaired");
    Files.setLastModifiedTime(files.get(2), FileTime.fromMillis(1_000_000));
    ExtractionKey now = key(files);
    assertThat(now.digest()).isEqualTo(cache.key().digest());
    assertThat(now.chunkStamp(0)).isEqualTo(cache.key().chunkStamp(0));
    assertThat(now.chunkStamp(1)).isNotEqualTo(cache.key().chunkStamp(1));
    List<String> log = new ArrayList<>();
    ChunkCache reopened = ChunkCache.open(dir.resolve("cache"), "train", now, owner, log::add);
    assertThat(reopened.dir()).isEqualTo(cache.dir());
    assertThat(reopened.missing()).containsExactly(1);
    assertThat(log)
        .containsExactly(
            "features of train: 1 cached chunk(s) [1] in "
                + cache.dir()
                + " hold image files changed since (size or modification time): extracting them"
                + " again");
    reopened.write(1, empty);
    assertThat(ChunkCache.open(dir.resolve("cache"), "train", key(files), owner, l -> {}).missing())
        .isEmpty();
  }

  @Test
  void aCompleteChunkWithoutAStampFromAnOlderVersionIsExtractedAgain() throws Exception {
    ChunkCache cache = open(images("a.png", "b.png"), FIT, new ArrayList<>());
    cache.write(0, new CachedChunk(new int[] {}, Map.of(), List.of()));
    Files.delete(ChunkFiles.stampFile(cache.dir(), 0));
    assertThat(open(images("a.png", "b.png"), FIT, new ArrayList<>()).missing()).containsExactly(0);
  }

  @Test
  void theOutputsArePartOfTheKey() {
    assertThat(
            new ExtractionKey("abc", "resize 4", List.of("features"), 2, images("a.png")).digest())
        .isNotEqualTo(key(images("a.png")).digest());
  }

  @Test
  void aFolderHoldingAnotherExtractionIsRefusedNamingTheCallersOption() throws Exception {
    ChunkCache cache = open(images("a.png", "b.png"), FIT, new ArrayList<>());
    Path keyFile = cache.dir().resolve(ChunkCache.KEY_FILE);
    String digest = cache.key().digest();
    Files.writeString(
        keyFile, Files.readString(keyFile).replace(digest, "f".repeat(64)).replace("abc", "xyz"));
    assertThatThrownBy(() -> open(images("a.png", "b.png"), FIT, new ArrayList<>()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "knn fit set: "
                + cache.dir()
                + " holds the features of another extraction (its key.json records the key "
                + "f".repeat(64)
                + ", this run's is "
                + digest
                + "; they differ in bundle_checksum): remove that folder, or give another"
                + " --cache");
    assertThat(keyFile).exists();
  }

  @Test
  void theMappedOutputListsTheReadableRowsOfEveryChunkInImageOrder() throws Exception {
    ChunkCache cache =
        ChunkCache.open(
            dir.resolve("cache"),
            "train",
            new ExtractionKey(
                "abc", "resize 4", List.of("features"), 2, images("a", "b", "c", "d")),
            FIT,
            l -> {});
    cache.write(
        0,
        new CachedChunk(
            new int[] {1},
            Map.of("features", FloatMatrix.wrap(new float[] {4f, 5f, 6f}, 1, 3)),
            List.of(new UnreadableImage(0, "/data/a", "broken"))));
    cache.write(
        1,
        new CachedChunk(
            new int[] {2, 3},
            Map.of("features", FloatMatrix.wrap(new float[] {1f, 2f, 3f, 7f, 8f, 9f}, 2, 3)),
            List.of()));
    MappedOutput mapped = cache.map("features");
    assertThat(mapped.rows()).isEqualTo(3);
    assertThat(mapped.dim()).isEqualTo(3);
    assertThat(mapped.image(0)).isEqualTo(1);
    assertThat(mapped.image(2)).isEqualTo(3);
    float[] out = new float[6];
    mapped.gather(new int[] {2, 0}, out);
    assertThat(out).containsExactly(7f, 8f, 9f, 4f, 5f, 6f);
    assertThat(mapped.row(1)).containsExactly(1f, 2f, 3f);
  }

  @Test
  void aChunkWhoseOutputDisagreesWithItsIndexIsNamed() throws Exception {
    ChunkCache cache =
        ChunkCache.open(
            dir.resolve("cache"),
            "train",
            new ExtractionKey("abc", "resize 4", List.of("features"), 2, images("a", "b")),
            FIT,
            l -> {});
    cache.write(
        0,
        new CachedChunk(
            new int[] {0, 1},
            Map.of("features", FloatMatrix.wrap(new float[] {1f, 2f}, 2, 1)),
            List.of()));
    Path file = ChunkFiles.outputFile(cache.dir(), 0, "features");
    org.mos.common.io.Npy.writeFloat32(file, new float[] {1f}, 1, 1);
    assertThatThrownBy(() -> cache.map("features"))
        .hasMessage(file + " holds 1 rows but its index lists 2");
  }
}
