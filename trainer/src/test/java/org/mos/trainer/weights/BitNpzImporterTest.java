package org.mos.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.BitNpzImporter.HeadPolicy;

class BitNpzImporterTest {

  private static final int[] UNITS = {1, 1, 1, 1};
  private static final int WIDTH = 32;
  private static final int CLASSES = 5;

  @TempDir Path dir;
  private NDManager manager;
  private ResNetV2 model;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    model = ResNetV2.builder().setUnits(UNITS).optBaseWidth(WIDTH).setNumClasses(CLASSES).build();
    model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private Path npz(Set<String> omit, Map<String, int[]> override) throws IOException {
    return FormulaWeights.writeNpz(
        dir.resolve("w.npz"), FormulaWeights.bitShapes(UNITS, WIDTH, CLASSES), omit, override);
  }

  @Test
  void rejectsAFileWithoutAProjectionKernelNamingTheKey() throws IOException {
    String key = "resnet/block3/unit01/a/proj/standardized_conv2d/kernel";
    Path file = npz(Set.of(key), Map.of());
    assertThatThrownBy(() -> BitNpzImporter.load(file, model, HeadPolicy.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + key + "'")
        .hasMessageContaining("[1, 1, 256, 512]");
  }

  @Test
  void rejectsAMisshapedNormNamingTheKeyAndBothShapes() throws IOException {
    String key = "resnet/block2/unit01/b/group_norm/gamma";
    Path file = npz(Set.of(), Map.of(key, new int[] {32}));
    assertThatThrownBy(() -> BitNpzImporter.load(file, model, HeadPolicy.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + key + "'")
        .hasMessageContaining("[32]")
        .hasMessageContaining("[64]");
  }

  @Test
  void keepingTheHeadRequiresItsShapeToMatchTheClassCount() throws IOException {
    Path file = npz(Set.of(), Map.of(BitKeys.HEAD_KERNEL, new int[] {1, 1, 1024, 1000}));
    assertThatThrownBy(() -> BitNpzImporter.load(file, model, HeadPolicy.KEEP))
        .hasMessageContaining(BitKeys.HEAD_KERNEL)
        .hasMessageContaining("[1, 1, 1024, 5]");
  }

  @Test
  void zeroingTheHeadIgnoresAHeadOfAnotherSizeAndLeavesZeros() throws IOException {
    Path file = npz(Set.of(), Map.of(BitKeys.HEAD_KERNEL, new int[] {1, 1, 1024, 1000}));
    BitNpzImporter.load(file, model, HeadPolicy.ZERO);
    assertThat(model.headWeight().getArray().toFloatArray()).containsOnly(0f);
    assertThat(model.headBias().getArray().toFloatArray()).containsOnly(0f);
  }

  @Test
  void transposesKernelsFromHwioToOihw() throws IOException {
    Path file = npz(Set.of(), Map.of());
    BitNpzImporter.load(file, model, HeadPolicy.KEEP);
    String key = "resnet/root_block/standardized_conv2d/kernel";
    float[] hwio = FormulaWeights.values(key, 7 * 7 * 3 * WIDTH);
    float[] oihw = model.stem().weight().getArray().toFloatArray();
    // element (o=5, i=2, h=4, w=1) sits at ((h * 7 + w) * 3 + i) * 32 + o in HWIO
    assertThat(oihw[((5 * 3 + 2) * 7 + 4) * 7 + 1]).isEqualTo(hwio[((4 * 7 + 1) * 3 + 2) * 32 + 5]);
    assertThat(model.headBias().getArray().toFloatArray())
        .containsExactly(FormulaWeights.values(BitKeys.HEAD_BIAS, CLASSES));
  }

  @Test
  void namesEveryParameterOfTheModelWithABitKey() {
    assertThat(BitKeys.of(model).keySet())
        .containsExactlyInAnyOrderElementsOf(
            FormulaWeights.bitShapes(UNITS, WIDTH, CLASSES).keySet());
    assertThat(BitKeys.of(model)).hasSameSizeAs(model.getParameters().keys());
  }
}
