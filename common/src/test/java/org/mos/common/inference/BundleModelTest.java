package org.mos.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.Interpolation;
import org.mos.common.image.PreprocessSpec;
import org.mos.common.image.RgbImage;
import org.mos.common.image.TorchvisionFixtures;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.score.FloatMatrix;

class BundleModelTest {

  @TempDir Path tmp;

  /** logits = W f + b with f the per-channel mean of the normalised image. */
  static SyntheticBundle flatBundle(Map<String, double[]> calibration) {
    return new SyntheticBundle(
        4,
        List.of("a", "b", "c"),
        null,
        new float[][] {{1, 0, 0}, {0, 2, 0}, {0, 0, -1}},
        new float[] {0.5f, 0, 0.25f},
        calibration);
  }

  /** A solid image: every pixel (255, 0, 51), normalised to (1, -1, -0.6). */
  static RgbImage solid(int side) {
    byte[] rgb = new byte[side * side * 3];
    for (int p = 0; p < side * side; p++) {
      rgb[3 * p] = (byte) 255;
      rgb[3 * p + 1] = 0;
      rgb[3 * p + 2] = 51;
    }
    return RgbImage.of(side, side, rgb);
  }

  /** {@link #flatBundle} without calibration, written to a folder of its own. */
  private Path flatDir() throws Exception {
    Path dir = tmp.resolve("flat");
    flatBundle(Map.of()).writeTo(dir);
    return dir;
  }

  /** What a test does with the model of the flat bundle. */
  @FunctionalInterface
  private interface OnModel {
    void run(BundleModel model) throws Exception;
  }

  /** Opens the flat bundle's model with {@code options} and hands it to {@code test}. */
  private void onFlatModel(InferenceOptions options, OnModel test) throws Exception {
    try (ModelBundle bundle = ModelBundle.open(flatDir());
        BundleModel model = BundleModel.open(bundle, options)) {
      test.run(model);
    }
  }

  @Test
  void runsTheGraphAndReturnsHandComputedLogitsFeaturesAndAveragedSideOutputs() throws Exception {
    onFlatModel(
        InferenceOptions.cpu(),
        model -> {
          InputBatch batch = model.newInputBatch(3);
          batch.put(0, solid(9));
          batch.put(1, new float[3 * 16]); // zeros: logits = bias
          Map<String, FloatMatrix> out =
              model.run(batch, 2, List.of("logits", "features", "block1"));
          // f = ((255/255 - .5)/.5, (0 - .5)/.5, (51/255 - .5)/.5) = (1, -1, -0.6)
          assertThat(out.get("features").row(0))
              .containsExactly(new float[] {1, -1, -0.6f}, within(1e-6f));
          // logits = (1*1 + .5, 2*(-1), -1*(-0.6) + .25)
          assertThat(out.get("logits").row(0))
              .containsExactly(new float[] {1.5f, -2f, 0.85f}, within(1e-6f));
          assertThat(out.get("logits").row(1)).containsExactly(0.5f, 0f, 0.25f);
          // mean over space of relu(input): (1, 0, 0)
          assertThat(out.get("block1").row(0))
              .containsExactly(new float[] {1, 0, 0}, within(1e-6f));
          assertThat(model.device()).isEqualTo(Device.CPU);
        });
  }

  @Test
  void givesTheHandComputedLogitsAtEveryBatchSizeWithTheArenaMemoryPatternsAndSpinningOff()
      throws Exception {
    onFlatModel(
        InferenceOptions.cpu().withMemory(false, false).withSpinning(false),
        model -> {
          model.warmUp(5);
          InputBatch batch = model.newInputBatch(5);
          for (int slot = 0; slot < 5; slot++) {
            batch.put(slot, solid(9));
          }
          for (int count : new int[] {1, 5, 3, 2}) {
            FloatMatrix logits = model.run(batch, count, List.of("logits")).get("logits");
            assertThat(logits.rows()).isEqualTo(count);
            // as in the first test: (1*1 + .5, 2*(-1), -1*(-0.6) + .25) for every image
            assertThat(logits.row(count - 1))
                .containsExactly(new float[] {1.5f, -2f, 0.85f}, within(1e-6f));
          }
        });
  }

  @Test
  void returnsOnlyTheRequestedOutputsAndRefusesUnknownOnes() throws Exception {
    onFlatModel(
        InferenceOptions.cpu(),
        model -> {
          InputBatch batch = model.newInputBatch(1);
          assertThat(model.run(batch, 1, List.of("logits"))).containsOnlyKeys("logits");
          assertThatThrownBy(() -> model.run(batch, 1, List.of("block9")))
              .hasMessageContaining("no output 'block9'");
          assertThatThrownBy(() -> model.run(batch, 2, List.of("logits")))
              .hasMessageContaining("capacity 1");
        });
  }

  @Test
  void rejectsTensorsOfTheWrongLengthOrWithNaN() throws Exception {
    onFlatModel(
        InferenceOptions.cpu(),
        model -> {
          InputBatch batch = model.newInputBatch(1);
          assertThatThrownBy(() -> batch.put(0, new float[5])).hasMessageContaining("3x4x4");
          float[] nan = new float[48];
          nan[7] = Float.NaN;
          assertThatThrownBy(() -> batch.put(0, nan)).hasMessageContaining("value 7 is NaN");
        });
  }

  @Test
  void cudaFallsBackToTheCpuUnlessStrictWhenTheProviderIsMissing() throws Exception {
    Path dir = flatDir();
    org.junit.jupiter.api.Assumptions.assumeFalse(
        ai.onnxruntime.OrtEnvironment.getAvailableProviders()
            .contains(ai.onnxruntime.OrtProvider.CUDA),
        "this ONNX Runtime has CUDA");
    try (ModelBundle bundle = ModelBundle.open(dir)) {
      try (BundleModel model =
          BundleModel.open(bundle, new InferenceOptions(Device.CUDA, false, 1))) {
        assertThat(model.device()).isEqualTo(Device.CPU);
      }
      assertThatThrownBy(() -> BundleModel.open(bundle, new InferenceOptions(Device.CUDA, true, 1)))
          .isInstanceOf(BundleException.class)
          .hasMessageContaining("no CUDA execution provider");
    }
  }

  @Test
  void refusesABundleWhoseInputSizeDisagreesWithTheGraph() throws Exception {
    Path dir = flatDir();
    // a bundle whose manifest says 5 but whose graph (copied, checksum fixed) takes 4
    Path other = tmp.resolve("other");
    SyntheticBundle five =
        new SyntheticBundle(
            5, List.of("a", "b", "c"), null, new float[3][3], new float[3], Map.of());
    five.writeTo(other);
    java.nio.file.Files.copy(
        dir.resolve("model.onnx"),
        other.resolve("model.onnx"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var tree =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            mapper.readTree(other.resolve("manifest.json").toFile());
    byte[] digest =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(java.nio.file.Files.readAllBytes(other.resolve("model.onnx")));
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("checksums"))
        .put("model.onnx", java.util.HexFormat.of().formatHex(digest));
    mapper.writeValue(other.resolve("manifest.json").toFile(), tree);
    try (ModelBundle bundle = ModelBundle.open(other)) {
      assertThatThrownBy(() -> BundleModel.open(bundle, InferenceOptions.cpu()))
          .isInstanceOf(BundleException.class)
          .hasMessageContaining("input_size 5");
    }
  }

  @Test
  void preprocessedTensorsGiveTheSameOutputsAsImagesPutDirectly() throws Exception {
    onFlatModel(
        InferenceOptions.cpu(),
        model -> {
          float[] chw = model.preprocess(solid(7));
          // every value of channel c is the normalised colour: (1, -1, -0.6)
          assertThat(chw).hasSize(48);
          assertThat(chw[0]).isEqualTo(1f);
          assertThat(chw[16]).isEqualTo(-1f);
          assertThat(chw[47]).isCloseTo(-0.6f, within(1e-6f));
          InputBatch batch = model.newInputBatch(1);
          batch.put(0, chw);
          assertThat(model.run(batch, 1, List.of("logits")).get("logits").row(0))
              .containsExactly(new float[] {1.5f, -2f, 0.85f}, within(1e-6f));
        });
  }

  @Test
  void aBundleWithoutPreprocessingFieldsKeepsTheSquareBilinearResize() throws Exception {
    Path dir = tmp.resolve("flat");
    BundleManifest manifest = flatBundle(Map.of()).writeTo(dir);
    assertThat(manifest.preprocessing()).isNull();
    try (ModelBundle bundle = ModelBundle.open(dir);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      assertThat(model.preprocessSpec()).isEqualTo(PreprocessSpec.test(4));
      assertThat(model.preprocessSpec().interpolation()).isEqualTo(Interpolation.BILINEAR);
    }
  }

  /**
   * A bundle whose manifest asks for torchvision's Resize(40, bicubic) + CenterCrop(32) with
   * ImageNet's mean and std preprocesses the fixture photo exactly as torchvision 0.14 did.
   */
  @Test
  void aBundleWithTorchvisionPreprocessingPreprocessesLikeTorchvision() throws Exception {
    TorchvisionFixtures.Case reference =
        TorchvisionFixtures.cases().stream()
            .filter(
                c ->
                    c.resize() == 40
                        && c.crop() == 32
                        && c.interpolation() == Interpolation.BICUBIC
                        && c.input().getFileName().toString().startsWith("photo"))
            .findFirst()
            .orElseThrow();
    Path dir = tmp.resolve("tv");
    BundleManifest written =
        new SyntheticBundle(
                32, List.of("a", "b", "c"), null, new float[3][3], new float[3], Map.of())
            .writeTo(dir);
    BundleManifest tv =
        new BundleManifest(
            written.schemaVersion(),
            written.architecture(),
            written.inputSize(),
            List.of(0.485, 0.456, 0.406),
            List.of(0.229, 0.224, 0.225),
            new BundleManifest.Preprocessing(40, "bicubic"),
            written.classNames(),
            written.groupSizes(),
            written.outputs(),
            written.statistics(),
            written.provenance(),
            written.checksums());
    // The manifest is not covered by the checksums: rewriting it keeps the bundle valid.
    new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValue(dir.resolve("manifest.json").toFile(), tv);
    try (ModelBundle bundle = ModelBundle.open(dir);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      assertThat(bundle.manifest()).isEqualTo(tv);
      assertThat(model.preprocessSpec()).isEqualTo(reference.spec());
      float[] chw = model.preprocess(ImageDecoder.pillowCompatible().decode(reference.input()));
      assertThat(chw).containsExactly(reference.expectedFloats());
    }
  }
}
