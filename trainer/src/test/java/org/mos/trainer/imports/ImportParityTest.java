package org.mos.trainer.imports;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.export.BundleExport;
import org.mos.trainer.export.OrtRunner;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.BitNpzImporter;
import org.mos.trainer.weights.FormulaWeights;

/** Imported weights -> bundle -> ONNX Runtime, against independent references. */
class ImportParityTest {

  private static final double TOLERANCE = 1e-4;

  @TempDir Path dir;

  @Test
  void groupCheckpointBundleMatchesThePyTorchReferenceLogits() throws Exception {
    assertMatchesReference("group", GroupLayout.ofSizes(2, 3, 1));
  }

  @Test
  void flatCheckpointBundleMatchesThePyTorchReferenceLogits() throws Exception {
    assertMatchesReference("flat", GroupLayout.flat(5));
  }

  private void assertMatchesReference(String name, GroupLayout layout) throws Exception {
    TorchCheckpoint c = TorchCheckpoint.read(TorchCheckpointTest.fixture(name + ".pth"));
    WeightMap weights = PaperKeys.toWeights(c.state());
    ResNetV2Spec spec = ResNetV2Spec.parse("units=1,1,1,1/width=32", layout.numLogits());
    Path out = dir.resolve(name);
    new BundleExport("small", spec, weights, layout, 32, Map.of("step", c.step()))
        .write(out, false, false);
    try (ModelBundle bundle = ModelBundle.open(out);
        OrtRunner ort = new OrtRunner(bundle.model())) {
      float[] input = FormulaWeights.values("input", 2 * 3 * 32 * 32);
      Map<String, float[]> got = ort.run(input, 2, 32, Set.of("logits", "features"));
      assertClose(
          name + " logits", got.get("logits"), TorchCheckpointTest.npy(name + "_logits.npy"));
      assertClose(
          name + " features", got.get("features"), TorchCheckpointTest.npy(name + "_features.npy"));
    }
  }

  @Test
  void bitNpzImportMatchesTheDjlModelLoadedFromTheSameFile() throws Exception {
    int[] units = {2, 1, 1, 2};
    Path npz =
        FormulaWeights.writeNpz(
            dir.resolve("bit.npz"), FormulaWeights.bitShapes(units, 32, 6), Set.of(), Map.of());
    WeightMap weights = NpzWeights.readBit(npz);
    ResNetV2Spec spec = ResNetV2Spec.parse("units=2,1,1,2/width=32", 6);
    Path out = dir.resolve("npz-bundle");
    BundleManifest manifest =
        new BundleExport("small", spec, weights, GroupLayout.flat(6), 40, Map.of())
            .write(out, false, false);
    assertThat(manifest.classNames()).hasSize(6);
    ResNetV2 model = ResNetV2.builder().setUnits(units).optBaseWidth(32).setNumClasses(6).build();
    try (NDManager manager = NDManager.newBaseManager();
        ModelBundle bundle = ModelBundle.open(out);
        OrtRunner ort = new OrtRunner(bundle.model())) {
      Shape shape = new Shape(2, 3, 40, 40);
      model.initialize(manager, DataType.FLOAT32, shape);
      BitNpzImporter.load(npz, model, BitNpzImporter.HeadPolicy.KEEP);
      float[] input = FormulaWeights.values("input", (int) shape.size());
      NDList djl =
          model.forward(
              new ParameterStore(manager, false), new NDList(manager.create(input, shape)), false);
      Map<String, float[]> got = ort.run(input, 2, 40, Set.of("logits", "features"));
      assertClose("npz logits", got.get("logits"), djl.get(ResNetV2.OUTPUT_LOGITS).toFloatArray());
      assertClose(
          "npz features", got.get("features"), djl.get(ResNetV2.OUTPUT_PRE_LOGITS).toFloatArray());
    }
  }

  static void assertClose(String name, float[] got, float[] want) {
    assertThat(got).as(name).hasSameSizeAs(want);
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      double diff = Math.abs(got[i] - want[i]);
      worst = Math.max(worst, diff);
      assertThat(diff)
          .as("%s[%d]: got %s, reference %s", name, i, got[i], want[i])
          .isLessThanOrEqualTo(TOLERANCE);
    }
    System.out.printf("%s: max |diff| %.2g%n", name, worst);
  }
}
