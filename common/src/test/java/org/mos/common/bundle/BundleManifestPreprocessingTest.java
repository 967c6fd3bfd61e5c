package org.mos.common.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.image.Interpolation;

class BundleManifestPreprocessingTest {

  @TempDir Path tmp;

  private static BundleManifest manifest(BundleManifest.Preprocessing preprocessing) {
    return new BundleManifest(
        BundleManifest.SCHEMA_VERSION,
        "resnet18",
        224,
        List.of(0.485, 0.456, 0.406),
        List.of(0.229, 0.224, 0.225),
        preprocessing,
        List.of("a", "b"),
        null,
        List.of("logits"),
        Map.of(),
        Map.of(),
        null);
  }

  private Path write(String name, BundleManifest manifest) throws IOException {
    Path target = tmp.resolve(name);
    BundleWriter.to(target)
        .write("model.onnx", out -> out.write("graph".getBytes(StandardCharsets.UTF_8)))
        .commit(manifest);
    return target;
  }

  @Test
  void torchvisionPreprocessingRoundTripsThroughManifestJson() throws IOException {
    BundleManifest.Preprocessing tv = new BundleManifest.Preprocessing(256, "bicubic");
    Path dir = write("tv", manifest(tv));
    String json = Files.readString(dir.resolve("manifest.json"));
    assertThat(json)
        .contains("\"preprocessing\"")
        .contains("\"resize_shorter_side\"")
        .contains("\"bicubic\"");
    try (ModelBundle bundle = ModelBundle.open(dir)) {
      assertThat(bundle.manifest().preprocessing()).isEqualTo(tv);
      assertThat(bundle.manifest().preprocessing().filter()).isEqualTo(Interpolation.BICUBIC);
      assertThat(bundle.manifest().withChecksums(Map.of()))
          .isEqualTo(manifest(tv).withChecksums(Map.of()));
    }
  }

  @Test
  void aManifestWithoutPreprocessingWritesNoFieldAndReadsBackAsTheDefault() throws IOException {
    Path dir = write("bit", manifest(null));
    assertThat(Files.readString(dir.resolve("manifest.json"))).doesNotContain("preprocessing");
    try (ModelBundle bundle = ModelBundle.open(dir)) {
      assertThat(bundle.manifest().preprocessing()).isNull();
    }
  }

  @Test
  void withPreprocessingReplacesOnlyThePreprocessing() {
    BundleManifest.Preprocessing tv = new BundleManifest.Preprocessing(256, null);
    assertThat(manifest(null).withPreprocessing(tv)).isEqualTo(manifest(tv));
    assertThat(manifest(tv).withPreprocessing(null)).isEqualTo(manifest(null));
  }

  @Test
  void anAbsentInterpolationMeansBilinear() {
    assertThat(new BundleManifest.Preprocessing(256, null).filter())
        .isEqualTo(Interpolation.BILINEAR);
  }

  @Test
  void refusesAnUnknownInterpolationInManifestJsonNamingIt() throws IOException {
    Path dir = write("bad", manifest(new BundleManifest.Preprocessing(256, "bilinear")));
    Path file = dir.resolve("manifest.json");
    var mapper = BundleWriter.mapper();
    ObjectNode tree = (ObjectNode) mapper.readTree(file.toFile());
    ((ObjectNode) tree.get("preprocessing")).put("interpolation", "lanczos");
    mapper.writeValue(file.toFile(), tree);
    assertThatThrownBy(() -> ModelBundle.open(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("unknown interpolation 'lanczos': expected bilinear or bicubic");
  }

  @Test
  void refusesAShorterSideSmallerThanTheInputSize() {
    assertThatThrownBy(() -> manifest(new BundleManifest.Preprocessing(200, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "preprocessing.resize_shorter_side 200 is smaller than input_size 224:"
                + " the centre crop would not fit");
    assertThatThrownBy(() -> new BundleManifest.Preprocessing(0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("preprocessing.resize_shorter_side must be positive, got 0");
  }
}
