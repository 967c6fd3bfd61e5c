package org.mos.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.PreprocessSpec;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.train.TrainingData;

class StreamedImagesTest {

  @TempDir Path dir;

  private static List<TrainingData.MicroBatch> read(TrainingData data, int[] indices, long seed)
      throws Exception {
    List<TrainingData.MicroBatch> all = new ArrayList<>();
    try (TrainingData.Batches b = data.open(indices, 2, seed)) {
      while (b.hasNext()) {
        all.add(b.next());
      }
    }
    return all;
  }

  @Test
  void aPrefetchedStepGivesTheTensorsAndLabelsOfAFreshOne() throws Exception {
    Path images = dir.resolve("images");
    TinyImages.folder(images, 2);
    LabelledImages set = LabelledImages.read(images, null, GroupLayout.flat(4), false);
    PreprocessSpec random =
        PreprocessSpec.builder().setResize(20).optCrop(12).optRandomFlip(true).build();
    int[] indices = {7, 0, 3, 5};
    try (StreamedImages fresh = new StreamedImages(set, random, BadFilePolicy.FAIL, 2);
        StreamedImages ahead = new StreamedImages(set, random, BadFilePolicy.FAIL, 2)) {
      List<TrainingData.MicroBatch> expected = read(fresh, indices, 42);
      ahead.prefetch(indices, 2, 42);
      List<TrainingData.MicroBatch> got = read(ahead, indices, 42);
      assertThat(got).hasSize(2);
      for (int m = 0; m < 2; m++) {
        assertThat(got.get(m).images()).containsExactly(expected.get(m).images());
        assertThat(got.get(m).labels()).containsExactly(expected.get(m).labels());
      }
      // image 7 is class 3 (folders sorted, two images each), image 0 class 0, and so on
      assertThat(expected.get(0).labels()).containsExactly(3, 0);
      assertThat(expected.get(1).labels()).containsExactly(1, 2);
      // another step seed draws other crops or flips for the same images
      ahead.prefetch(indices, 2, 43);
      List<TrainingData.MicroBatch> other = read(ahead, indices, 42); // not the prefetched one
      assertThat(other.get(0).images()).containsExactly(expected.get(0).images());
      assertThat(read(ahead, indices, 43).get(0).images()).isNotEqualTo(expected.get(0).images());
    }
  }
}
