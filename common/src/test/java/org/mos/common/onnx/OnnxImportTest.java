package org.mos.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecoder;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.io.Npy;
import org.mos.common.score.FloatMatrix;

/**
 * Imports torchvision classifiers exported by {@code scripts/fixtures/make_import_fixtures.py} and
 * checks the bundle against PyTorch: the suite's preprocessing of the same PNGs equals
 * torchvision's transforms exactly, and the bundle's logits and features equal the PyTorch
 * forward's within 1e-4 relative to the largest magnitude (float32 kernels of two engines; measured
 * about 1e-6).
 */
class OnnxImportTest {

  private static final double TOLERANCE = 1e-4;

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"resnet18_w8_dynamic", "mobilenet_v3_small_fixed", "vit_tiny_dynamic"})
  void importedBundleMatchesTorchvisionPreprocessingAndThePyTorchForward(String model)
      throws Exception {
    ImportFixtures.writeBundle(model, tmp.resolve("work"), tmp.resolve("bundle"));
    String prefix = model.substring(0, model.lastIndexOf('_'));
    ImportFixtures.Case c = ImportFixtures.caseOf(model);
    float[] expectedInput = Npy.read(copy(prefix + "_input.npy")).toFloats();
    float[] logits = Npy.read(copy(prefix + "_logits.npy")).toFloats();
    float[] features = Npy.read(copy(prefix + "_features.npy")).toFloats();
    int n = c.images().size();
    try (ModelBundle bundle = ModelBundle.open(tmp.resolve("bundle"));
        BundleModel bm = BundleModel.open(bundle, InferenceOptions.cpu())) {
      assertThat(bm.outputNames()).containsExactlyInAnyOrder("logits", "features");
      InputBatch batch = bm.newInputBatch(n);
      int per = 3 * c.crop() * c.crop();
      for (int i = 0; i < n; i++) {
        float[] chw =
            bm.preprocess(
                ImageDecoder.pillowCompatible()
                    .decode(ImportFixtures.copy("images/" + c.images().get(i), tmp)));
        for (int j = 0; j < per; j++) {
          // torchvision's own transforms, to the bit
          assertThat(chw[j]).as("input %d value %d", i, j).isEqualTo(expectedInput[i * per + j]);
        }
        batch.put(i, chw);
      }
      Map<String, FloatMatrix> out = bm.run(batch, n, List.of("logits", "features"));
      assertClose(out.get("logits"), logits, c.classes());
      assertClose(out.get("features"), features, c.featuresDim());
    }
  }

  private Path copy(String name) {
    return tmp.resolve(name).toFile().exists() ? tmp.resolve(name) : ImportFixtures.copy(name, tmp);
  }

  private static void assertClose(FloatMatrix actual, float[] expected, int cols) {
    assertThat(actual.cols()).isEqualTo(cols);
    float[] a = actual.toArray();
    assertThat(a).hasSameSizeAs(expected);
    double scale = 1;
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(a[i] - expected[i]));
    }
    assertThat(worst / scale).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void bundleGraphHasInputLogitsAndFeaturesAndASymbolicBatch() throws Exception {
    Path onnx = ImportFixtures.copy("mobilenet_v3_small_fixed.onnx", tmp);
    OnnxImport.Imported imported =
        OnnxImport.importFile(onnx, new OnnxImport.Options(null, null, null));
    ModelProto g = imported.graph();
    assertThat(imported.batchRewritten()).isTrue();
    assertThat(imported.inputSize()).isEqualTo(64);
    assertThat(imported.classes()).isEqualTo(10);
    assertThat(imported.featureDim()).isEqualTo(128);
    assertThat(imported.found().input()).isEqualTo("input.1");
    assertThat(g.getGraph().getInputList())
        .extracting(ValueInfoProto::getName)
        .containsExactly("input");
    assertThat(
            g.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam())
        .isEqualTo("N");
    assertThat(g.getGraph().getOutputList())
        .extracting(ValueInfoProto::getName)
        .containsExactly("logits", "features");
    assertThat(imported.check().headMismatch()).isLessThanOrEqualTo(ImportCheck.TOLERANCE);
    assertThat(imported.check().batchMismatch()).isLessThanOrEqualTo(ImportCheck.TOLERANCE);
  }

  @Test
  void refusesAFixedBatchTheGraphBakesIn() {
    Path onnx = ImportFixtures.copy("vit_tiny_fixed.onnx", tmp);
    assertThatThrownBy(() -> OnnxImport.importFile(onnx, new OnnxImport.Options(null, null, null)))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("exported with a fixed batch of 1 and its computation depends on it")
        .hasMessageContaining("dynamic_axes={'x': {0: 'N'}");
  }

  @Test
  void refusesTwoInputsNamingThem() {
    Path onnx = ImportFixtures.copy("two_inputs.onnx", tmp);
    assertThatThrownBy(() -> OnnxImport.importFile(onnx, new OnnxImport.Options(null, null, 16)))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("the graph has 2 inputs")
        .hasMessageContaining("'image_a'")
        .hasMessageContaining("'image_b'");
  }

  @Test
  void refusesASoftmaxOutputNamingTheLogitsToUseInstead() throws Exception {
    Path onnx = ImportFixtures.copy("softmax_output.onnx", tmp);
    ModelProto m = OnnxModels.read(onnx);
    String before =
        m.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("Softmax"))
            .findFirst()
            .orElseThrow()
            .getInput(0);
    assertThatThrownBy(() -> OnnxImport.importFile(onnx, new OnnxImport.Options(null, null, 16)))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("the output 'output' is the Softmax of '" + before + "'")
        .hasMessageContaining("--logits-output " + before);
    // and following the advice works
    OnnxImport.Imported imported =
        OnnxImport.importFile(onnx, new OnnxImport.Options(before, null, 16));
    assertThat(imported.classes()).isEqualTo(3);
    assertThat(imported.featureDim()).isEqualTo(4);
  }

  @Test
  void refusesAComputedWeightPointingToFeaturesOutput() {
    Path onnx = ImportFixtures.copy("computed_weight.onnx", tmp);
    assertThatThrownBy(() -> OnnxImport.importFile(onnx, new OnnxImport.Options(null, null, 16)))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("is computed, not a float constant")
        .hasMessageContaining("--features-output");
  }

  @Test
  void refusesAnInputSizeTheGraphDoesNotTake() {
    Path onnx = ImportFixtures.copy("vit_tiny_dynamic.onnx", tmp);
    assertThatThrownBy(() -> OnnxImport.importFile(onnx, new OnnxImport.Options(null, null, 224)))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining(
            "--input-size 224 but the graph's input 'pixel_values' is fixed at 32x32")
        .hasMessageContaining("give --input-size 32");
  }

  @Test
  void refusesALogitsOutputTheGraphDoesNotHave() {
    Path onnx = ImportFixtures.copy("softmax_output.onnx", tmp);
    assertThatThrownBy(
            () -> OnnxImport.importFile(onnx, new OnnxImport.Options("unknown", null, null)))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("--logits-output unknown: the graph has no tensor of that name");
  }
}
