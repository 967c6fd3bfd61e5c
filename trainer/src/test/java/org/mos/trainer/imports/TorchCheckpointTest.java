package org.mos.trainer.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.weights.FormulaWeights;

/**
 * Reads the paper-format checkpoints of scripts/fixtures/make_export_fixtures.py: every tensor
 * there is a strided window into a shared storage, row o of a kernel starting {@code o * step}
 * elements after row 0.
 */
class TorchCheckpointTest {

  @TempDir Path dir;

  static Path fixture(String name) {
    try {
      return Path.of(TorchCheckpointTest.class.getResource("/fixtures/export/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void readsStepAndEveryParameterOfThePaperFormat() throws IOException {
    TorchCheckpoint c = TorchCheckpoint.read(fixture("group.pth"));
    assertThat(c.step()).isEqualTo(500);
    // 1 stem + 4 units x (6 convs/norms x 1 + 3 biases + downsample) + 2 + 2 head
    assertThat(c.state()).hasSize(1 + 4 * 10 + 2 + 2);
    assertThat(c.state().keySet()).allMatch(k -> k.startsWith("module."));
    assertThat(c.state().get("module.root.conv.weight").shape()).containsExactly(32, 3, 7, 7);
    assertThat(c.state().get("module.head.conv.weight").shape()).containsExactly(9, 1024, 1, 1);
    assertThat(c.state().get("module.body.block4.unit01.downsample.weight").shape())
        .containsExactly(1024, 512, 1, 1);
  }

  @Test
  void followsStorageStridesWhenMaterialisingAView() throws IOException {
    // conv3 of block4 is (1024, 256, 1, 1) with row step 29 (make_export_fixtures.window):
    // rows o and o + 1 overlap, element [o+1, i] == element [o, i + 29]
    float[] w =
        TorchCheckpoint.read(fixture("group.pth"))
            .state()
            .get("module.body.block4.unit01.conv3.weight")
            .values();
    for (int o = 0; o < 1023; o += 97) {
      for (int i = 0; i + 29 < 256; i += 13) {
        assertThat(w[(o + 1) * 256 + i]).isEqualTo(w[o * 256 + i + 29]);
      }
    }
    assertThat(w[0]).isNotEqualTo(w[256]);
  }

  @Test
  void convertsFloat64AndFloat16StoragesToFloat32() throws IOException {
    // make_export_fixtures.py: before_head.gn.weight is the float64 storage
    // formula('export/group_norm/gamma', 2048) from offset java_hash(key) % (2048 - 1024 + 1)
    Map<String, WeightMap.Tensor> state = TorchCheckpoint.read(fixture("flat.pth")).state();
    float[] storage = FormulaWeights.values("export/group_norm/gamma", 2048);
    int offset = (int) (("before_head.gn.weight".hashCode() & 0xFFFFFFFFL) % 1025);
    float[] gamma = state.get("module.before_head.gn.weight").values();
    assertThat(gamma).hasSize(1024);
    for (int i = 0; i < 1024; i++) {
      assertThat(gamma[i]).as("gamma[%d]", i).isEqualTo(storage[offset + i]);
    }
    // head.conv.bias: float16 storage formula('resnet/head/conv2d/bias', 64), offset % 60
    float[] bias = state.get("module.head.conv.bias").values();
    float[] exact = FormulaWeights.values("resnet/head/conv2d/bias", 64);
    int at = (int) (("head.conv.bias".hashCode() & 0xFFFFFFFFL) % 60);
    assertThat(bias).hasSize(5);
    for (int i = 0; i < 5; i++) {
      // rounding to binary16 (11 significant bits) moves a value by at most 2^-11 relative
      assertThat((double) bias[i])
          .isCloseTo(
              exact[at + i],
              org.assertj.core.api.Assertions.within(Math.abs(exact[at + i]) / 2048 + 1e-8));
    }
  }

  @Test
  void halfPrecisionDecodesNormalSubnormalAndSpecialValues() {
    assertThat(TorchDtype.halfToFloat((short) 0x3C00)).isEqualTo(1.0f);
    assertThat(TorchDtype.halfToFloat((short) 0xC000)).isEqualTo(-2.0f);
    assertThat(TorchDtype.halfToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
    assertThat(TorchDtype.halfToFloat((short) 0x0001)).isEqualTo(5.9604645e-8f);
    assertThat(TorchDtype.halfToFloat((short) 0x7BFF)).isEqualTo(65504f);
    assertThat(TorchDtype.halfToFloat((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
  }

  @Test
  void refusesALegacyNonZipFileNamingTheFormat() {
    assertThatThrownBy(() -> TorchCheckpoint.read(fixture("legacy.pth")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("legacy.pth")
        .hasMessageContaining("legacy (pre-1.6, non-zip)");
  }

  @Test
  void refusesAFileThatIsNoCheckpoint() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.pth"), "hello");
    assertThatThrownBy(() -> TorchCheckpoint.read(text))
        .hasMessageContaining("notes.pth is not a PyTorch checkpoint");
  }

  @Test
  void aMissingParameterIsNamedInThePapersNaming() throws IOException {
    Map<String, WeightMap.Tensor> state =
        new LinkedHashMap<>(TorchCheckpoint.read(fixture("group.pth")).state());
    state.remove("module.body.block2.unit01.gn2.bias");
    WeightMap weights = PaperKeys.toWeights(state);
    ResNetV2Spec spec = ResNetV2Spec.parse("units=1,1,1,1/width=32", 9);
    assertThatThrownBy(
            () -> spec.check(weights, "group.pth", k -> "module." + PaperKeys.toPaperKey(k)))
        .hasMessageContaining("group.pth has no parameter 'module.body.block2.unit01.gn2.bias'");
  }

  @Test
  void aWrongArchitectureIsReportedWithTheShapes() throws IOException {
    WeightMap weights = PaperKeys.toWeights(TorchCheckpoint.read(fixture("group.pth")).state());
    ResNetV2Spec r50 = ResNetV2Spec.parse("BiT-S-R50x1", 9);
    assertThatThrownBy(
            () -> r50.check(weights, "group.pth", k -> "module." + PaperKeys.toPaperKey(k)))
        .hasMessageContaining("'module.root.conv.weight' has shape [32, 3, 7, 7]")
        .hasMessageContaining("R50x1 with 9 logits needs [64, 3, 7, 7]");
  }

  @Test
  void unknownKeysAreRejected() {
    assertThatThrownBy(() -> PaperKeys.toBitKey("module.body.block1.unit01.bn1.weight"))
        .hasMessageContaining("unexpected parameter 'module.body.block1.unit01.bn1.weight'");
  }

  @Test
  void paperKeysMapToBitKeysAndBack() {
    String[][] pairs = {
      {"module.root.conv.weight", "resnet/root_block/standardized_conv2d/kernel"},
      {"module.body.block3.unit12.gn1.weight", "resnet/block3/unit12/a/group_norm/gamma"},
      {"module.body.block1.unit01.gn3.bias", "resnet/block1/unit01/c/group_norm/beta"},
      {
        "module.body.block2.unit02.conv2.weight",
        "resnet/block2/unit02/b/standardized_conv2d/kernel"
      },
      {
        "module.body.block4.unit01.downsample.weight",
        "resnet/block4/unit01/a/proj/standardized_conv2d/kernel"
      },
      {"module.before_head.gn.bias", "resnet/group_norm/beta"},
      {"module.head.conv.weight", "resnet/head/conv2d/kernel"},
      {"module.head.conv.bias", "resnet/head/conv2d/bias"}
    };
    for (String[] p : pairs) {
      assertThat(PaperKeys.toBitKey(p[0])).as(p[0]).isEqualTo(p[1]);
      assertThat("module." + PaperKeys.toPaperKey(p[1])).as(p[1]).isEqualTo(p[0]);
    }
  }

  static float[] npy(String name) throws IOException {
    try (InputStream in =
        TorchCheckpointTest.class.getResourceAsStream("/fixtures/export/" + name)) {
      return org.mos.common.io.Npy.read(in).toFloats();
    }
  }
}
