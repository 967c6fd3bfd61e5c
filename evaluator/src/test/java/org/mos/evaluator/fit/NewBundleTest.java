package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.bundle.ModelBundle;

class NewBundleTest {

  @TempDir Path tmp;

  @Test
  void theFittedManifestKeepsTheInputsPreprocessing() throws Exception {
    BundleManifest.Preprocessing tv = new BundleManifest.Preprocessing(256, "bicubic");
    BundleManifest manifest =
        new BundleManifest(
            BundleManifest.SCHEMA_VERSION,
            "resnet18",
            224,
            List.of(0.485, 0.456, 0.406),
            List.of(0.229, 0.224, 0.225),
            tv,
            List.of("a", "b"),
            null,
            List.of("logits"),
            Map.of(),
            Map.of(),
            null);
    Path dir = tmp.resolve("in");
    BundleWriter.to(dir)
        .write("model.onnx", out -> out.write("graph".getBytes(StandardCharsets.UTF_8)))
        .commit(manifest);
    try (ModelBundle input = ModelBundle.open(dir)) {
      BundleManifest next = new NewBundle(input).manifest(Map.of("step", "fit"));
      assertThat(next.preprocessing()).isEqualTo(tv);
      assertThat(next.inputSize()).isEqualTo(224);
      assertThat(next.mean()).containsExactly(0.485, 0.456, 0.406);
    }
  }
}
