package org.mos.trainer.head;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.cache.CachedChunk;
import org.mos.common.cache.ChunkFiles;
import org.mos.common.cache.MappedOutput;
import org.mos.common.inference.BundleModel;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.common.layout.GroupLayout;
import org.mos.common.score.FloatMatrix;
import org.mos.trainer.train.Finetuner;
import org.mos.trainer.train.HyperRule;

/**
 * The head trainer's loss, gradient and SGD-momentum steps against PyTorch
 * (scripts/fixtures/make_head_step_fixtures.py: three float64 steps of a zero head on 8 x 5
 * features, learning rates 0, 0.5, 0.5, the whole set as the batch).
 */
class HeadTrainerTest {

  @TempDir Path dir;

  @Test
  void groupSoftmaxStepsMatchPyTorch() throws Exception {
    GroupLayout layout = GroupLayout.ofSizes(2, 3);
    int[] labels = fixture("group_labels").toInts();
    check(layout, labels, layout.numGroups(), "group");
  }

  @Test
  void flatSoftmaxStepsMatchPyTorch() throws Exception {
    check(GroupLayout.flat(5), fixture("classes").toInts(), 1, "flat");
  }

  private void check(GroupLayout layout, int[] labels, int width, String name) throws Exception {
    NpyArray x = fixture("x");
    int rows = x.shape()[0];
    int dim = x.shape()[1];
    int[] images = new int[rows];
    for (int i = 0; i < rows; i++) {
      images[i] = i;
    }
    ChunkFiles.write(
        dir,
        0,
        new CachedChunk(
            images,
            Map.of(BundleModel.FEATURES, FloatMatrix.wrap(x.toFloats(), rows, dim)),
            List.of()));
    MappedOutput features = MappedOutput.open(dir, 1, BundleModel.FEATURES, rows);
    HeadTrainer trainer =
        new HeadTrainer(
            layout,
            new HeadTrainer.LabelledFeatures(features, labels, width),
            new HeadTrainer.Settings(rows, new HyperRule(new int[] {1, 3}, 0.5, 0), 7));
    float[] losses = fixture(name + "_losses").toFloats();
    for (int s = 0; s < 3; s++) {
      Finetuner.StepReport r = trainer.step();
      assertThat(r.loss()).as("%s loss of step %d", name, s).isCloseTo(losses[s], within(1e-5));
    }
    assertThat(trainer.finished()).isTrue();
    float[] w = fixture(name + "_weight").toFloats();
    float[] b = fixture(name + "_bias").toFloats();
    for (int i = 0; i < w.length; i++) {
      assertThat((double) trainer.weight()[i])
          .as("%s W[%d]", name, i)
          .isCloseTo(w[i], within(1e-5));
    }
    for (int i = 0; i < b.length; i++) {
      assertThat((double) trainer.bias()[i]).as("%s b[%d]", name, i).isCloseTo(b[i], within(1e-5));
    }
    assertThat(w).as("the reference moved the head").isNotEqualTo(new float[w.length]);
  }

  private static org.assertj.core.data.Offset<Double> within(double tolerance) {
    return org.assertj.core.data.Offset.offset(tolerance);
  }

  private static NpyArray fixture(String name) throws Exception {
    String path = "/fixtures/head/" + name + ".npy";
    try (InputStream in = HeadTrainerTest.class.getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      return Npy.read(in);
    }
  }
}
