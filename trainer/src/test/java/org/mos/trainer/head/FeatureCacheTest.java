package org.mos.trainer.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.cache.ChunkCache;
import org.mos.common.cache.ChunkFiles;
import org.mos.common.cache.MappedOutput;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecoder;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.score.FloatMatrix;

class FeatureCacheTest {

  @TempDir Path dir;

  private static final FeatureCache.Settings CHUNKS_OF_4 =
      new FeatureCache.Settings(BundleModel.FEATURES, 3, 1, BadFilePolicy.SKIP, 4);

  @Test
  void cachedFeaturesAreTheBackbonesFeaturesAndSkipUnreadableImages() throws Exception {
    List<Path> images = images(10);
    Files.writeString(dir.resolve("broken.png"), "not an image");
    images.add(5, dir.resolve("broken.png"));
    try (ModelBundle bundle = ModelBundle.open(Backbones.bundle(dir.resolve("b"), 5, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      List<String> log = new ArrayList<>();
      MappedOutput f =
          FeatureCache.extract(model, "train", images, dir.resolve("cache"), CHUNKS_OF_4, log::add);
      assertThat(f.rows()).isEqualTo(10);
      assertThat(f.image(5)).as("the broken image 5 has no row").isEqualTo(6);
      FloatMatrix direct = features(model, images.subList(6, 8));
      assertThat(f.row(5)).containsExactly(direct.row(0));
      assertThat(f.row(6)).containsExactly(direct.row(1));
      assertThat(f.dim()).isEqualTo(direct.cols());
      assertThat(log).anyMatch(l -> l.contains("10 images in") && l.contains("1 unreadable"));
    }
  }

  @Test
  void anInterruptedExtractionResumesAtTheFirstIncompleteChunk() throws Exception {
    List<Path> images = images(10);
    Path cache = dir.resolve("cache");
    try (ModelBundle bundle = ModelBundle.open(Backbones.bundle(dir.resolve("b"), 5, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      MappedOutput whole =
          FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, l -> {});
      float[][] rows = new float[10][];
      for (int r = 0; r < 10; r++) {
        rows[r] = whole.row(r); // copied: the files below are damaged under the mapping
      }
      Path folder = FeatureCache.folder(cache, "train", model, images, CHUNKS_OF_4);
      // a run killed while writing chunk 1: its features half there, its index file missing
      Files.delete(ChunkFiles.rowsFile(folder, 1));
      Files.delete(ChunkFiles.rowsFile(folder, 2));
      Files.write(ChunkFiles.outputFile(folder, 1, BundleModel.FEATURES), new byte[] {1, 2, 3});
      Files.delete(ChunkFiles.outputFile(folder, 2, BundleModel.FEATURES));
      FileTime kept =
          Files.getLastModifiedTime(ChunkFiles.outputFile(folder, 0, BundleModel.FEATURES));
      List<String> log = new ArrayList<>();
      MappedOutput resumed =
          FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, log::add);
      assertThat(log).anyMatch(l -> l.contains("resuming, 1 of 3 chunks cached"));
      assertThat(log).anyMatch(l -> l.contains(": 6 images in"));
      assertThat(Files.getLastModifiedTime(ChunkFiles.outputFile(folder, 0, BundleModel.FEATURES)))
          .isEqualTo(kept);
      for (int r = 0; r < 10; r++) {
        assertThat(resumed.row(r)).containsExactly(rows[r]);
      }
      List<String> again = new ArrayList<>();
      FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, again::add);
      assertThat(again).containsExactly("features of train: all 10 images cached in " + folder);
    }
  }

  @Test
  void aChangedBundleNeverReadsTheOldCache() throws Exception {
    List<Path> images = images(5);
    Path cache = dir.resolve("cache");
    Path oldFolder;
    float[] oldRow;
    try (ModelBundle bundle = ModelBundle.open(Backbones.bundle(dir.resolve("b5"), 5, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      oldRow = FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, l -> {}).row(0);
      oldFolder = FeatureCache.folder(cache, "train", model, images, CHUNKS_OF_4);
    }
    // another network: other features, another checksum
    try (ModelBundle bundle =
            ModelBundle.open(
                Backbones.bundle(dir.resolve("b6"), new int[] {1, 1, 1, 2}, 5, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      List<String> log = new ArrayList<>();
      MappedOutput f = FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, log::add);
      Path folder = FeatureCache.folder(cache, "train", model, images, CHUNKS_OF_4);
      assertThat(folder).isNotEqualTo(oldFolder);
      assertThat(oldFolder).doesNotExist();
      assertThat(log)
          .anyMatch(
              l ->
                  l.startsWith("features of train: the cache " + oldFolder + " was made for bundle")
                      && l.endsWith(": not reused, removing it"));
      assertThat(f.row(0)).isEqualTo(features(model, images.subList(0, 1)).row(0));
      assertThat(f.row(0)).isNotEqualTo(oldRow);
      // another image list is another cache as well
      assertThat(FeatureCache.key(model, images.subList(0, 4), CHUNKS_OF_4))
          .isNotEqualTo(FeatureCache.key(model, images, CHUNKS_OF_4));
    }
  }

  @Test
  void anImageFileReplacedUnderTheSameNameIsExtractedAgain() throws Exception {
    List<Path> images = images(3);
    Path cache = dir.resolve("cache");
    try (ModelBundle bundle = ModelBundle.open(Backbones.bundle(dir.resolve("b"), 5, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      Path before = FeatureCache.folder(cache, "train", model, images, CHUNKS_OF_4);
      FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, l -> {});
      // image 0 becomes a copy of image 2, with a later modification time
      FileTime was = Files.getLastModifiedTime(images.get(0));
      Files.copy(images.get(2), images.get(0), StandardCopyOption.REPLACE_EXISTING);
      Files.setLastModifiedTime(images.get(0), FileTime.fromMillis(was.toMillis() + 5_000));
      // the same list is the same folder; the chunk holding the replaced file is stale
      assertThat(FeatureCache.folder(cache, "train", model, images, CHUNKS_OF_4)).isEqualTo(before);
      List<String> log = new ArrayList<>();
      MappedOutput f = FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, log::add);
      assertThat(f.row(0)).containsExactly(features(model, images.subList(2, 3)).row(0));
      assertThat(log)
          .contains(
              "features of train: 1 cached chunk(s) [0] in "
                  + before
                  + " hold image files changed since (size or modification time): extracting"
                  + " them again")
          .anyMatch(l -> l.contains(": 3 images in"));
    }
  }

  @Test
  void aFolderHoldingAnotherExtractionIsRefusedNotOverwritten() throws Exception {
    List<Path> images = images(3);
    Path cache = dir.resolve("cache");
    try (ModelBundle bundle = ModelBundle.open(Backbones.bundle(dir.resolve("b"), 5, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, l -> {});
      Path folder = FeatureCache.folder(cache, "train", model, images, CHUNKS_OF_4);
      // as if a cache of another list had landed in this folder (copied, or a key collision)
      Path keyFile = folder.resolve(ChunkCache.KEY_FILE);
      String json = Files.readString(keyFile);
      String key = FeatureCache.key(model, images, CHUNKS_OF_4);
      Files.writeString(
          keyFile, json.replace(key, "0".repeat(64)).replace("\"images\" : 3", "\"images\" : 7"));
      assertThatThrownBy(
              () -> FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, l -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(folder + " holds the features of another extraction")
          .hasMessageContaining("records the key " + "0".repeat(64) + ", this run's is " + key)
          .hasMessageContaining("they differ in images)")
          .hasMessageEndingWith("remove that folder, or give another --feature-cache");
      assertThat(ChunkFiles.rowsFile(folder, 0)).exists();

      Files.delete(keyFile);
      assertThatThrownBy(
              () -> FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, l -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "features of train: "
                  + folder
                  + " holds files but no key.json, so what they are is unknown: remove the"
                  + " folder, or give another --feature-cache");
    }
  }

  @Test
  void aSharedCacheFolderKeepsTheCachesOfOtherLists() throws Exception {
    List<Path> images = images(5);
    Path cache = dir.resolve("shared");
    FeatureCache.Settings shared =
        new FeatureCache.Settings(BundleModel.FEATURES, 3, 1, BadFilePolicy.SKIP, 4, false);
    try (ModelBundle bundle = ModelBundle.open(Backbones.bundle(dir.resolve("b"), 5, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      FeatureCache.extract(model, "train", images, cache, shared, l -> {});
      Path first = FeatureCache.folder(cache, "train", model, images, shared);
      List<String> log = new ArrayList<>();
      FeatureCache.extract(model, "train", images.subList(0, 4), cache, shared, log::add);
      Path second = FeatureCache.folder(cache, "train", model, images.subList(0, 4), shared);
      assertThat(second).isNotEqualTo(first);
      assertThat(ChunkFiles.rowsFile(first, 1)).exists();
      assertThat(ChunkFiles.rowsFile(second, 0)).exists();
      assertThat(log).anyMatch(l -> l.startsWith("features of train: keeping " + first));
    }
  }

  @Test
  void imagesSkippedIntoTheCacheAreRefusedWhenUnreadableImagesMustFail() throws Exception {
    List<Path> images = images(5);
    Files.writeString(dir.resolve("broken.png"), "not an image");
    images.add(3, dir.resolve("broken.png"));
    Path cache = dir.resolve("cache");
    FeatureCache.Settings failing =
        new FeatureCache.Settings(BundleModel.FEATURES, 3, 1, BadFilePolicy.FAIL, 4);
    try (ModelBundle bundle = ModelBundle.open(Backbones.bundle(dir.resolve("b"), 5, false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      assertThat(FeatureCache.extract(model, "train", images, cache, CHUNKS_OF_4, l -> {}).rows())
          .isEqualTo(5);
      assertThatThrownBy(
              () -> FeatureCache.extract(model, "train", images, cache, failing, l -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("1 of the 6 images were unreadable when ")
          .hasMessageContaining("with --bad-files skip (the first: " + dir.resolve("broken.png"))
          .hasMessageContaining("or train with --bad-files skip");
    }
  }

  private List<Path> images(int n) throws Exception {
    Path data = Backbones.demoData(dir.resolve("data"));
    try (Stream<Path> files = Files.walk(data.resolve("train"))) {
      return new ArrayList<>(
          files.filter(p -> p.toString().endsWith(".png")).sorted().limit(n).toList());
    }
  }

  private static FloatMatrix features(BundleModel model, List<Path> paths) throws Exception {
    InputBatch batch = model.newInputBatch(paths.size());
    for (int i = 0; i < paths.size(); i++) {
      batch.put(i, model.preprocess(ImageDecoder.pillowCompatible().decode(paths.get(i))));
    }
    return model.run(batch, paths.size(), List.of(BundleModel.FEATURES)).get(BundleModel.FEATURES);
  }
}
