package org.mos.trainer.export.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;

/**
 * A bundle of the ViT fixture with the built gradient graphs, read through common's {@link
 * BundleModel} as the scorer and evaluator do: the VJP with a cotangent of the features (perturbed
 * Mahalanobis on an imported model's penultimate layer) and the ODIN graph's gradient match PyTorch
 * autograd.
 */
class ImportedGradientBundleTest {

  @TempDir Path dir;

  @Test
  void bundleModelFeedsTheFeaturesCotangentAndRunsOdinOnTheBuiltGraphs() throws Exception {
    GradientGraphBuilderTest.Fixture f = GradientGraphBuilderTest.Fixture.load("vit");
    GradientGraphBuilder.Result r = f.build();
    ModelProto vjp = r.vjpLogits().orElseThrow();
    ModelProto odin = r.odinGradient().orElseThrow();
    Path out = dir.resolve("vit");
    List<String> classes = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
    BundleManifest manifest =
        new BundleManifest(
            BundleManifest.SCHEMA_VERSION,
            "tiny vit",
            32,
            List.of(0.5, 0.5, 0.5),
            List.of(0.5, 0.5, 0.5),
            classes,
            null,
            List.of("logits", "features"),
            Map.of(
                GradientGraphs.STATISTICS_KEY,
                new BundleManifest.Statistics(
                    Map.of(
                        GradientGraphs.LOGITS, "vjp_logits.onnx",
                        GradientGraphs.ODIN, "odin_gradient.onnx"),
                    Map.of())),
            Map.of("source", "make_autodiff_fixtures.py"),
            null);
    BundleWriter.to(out)
        .write("model.onnx", f.forward()::writeTo)
        .write("vjp_logits.onnx", vjp::writeTo)
        .write("odin_gradient.onnx", odin::writeTo)
        .commit(manifest);
    try (ModelBundle bundle = ModelBundle.open(out);
        BundleModel model =
            BundleModel.open(bundle, InferenceOptions.cpu().withIntraOpThreads(1))) {
      InputBatch batch = model.newInputBatch(2);
      float[] input = f.floats("input");
      int per = input.length / 2;
      for (int i = 0; i < 2; i++) {
        batch.put(i, Arrays.copyOfRange(input, i * per, (i + 1) * per));
      }
      float[] withFeatures =
          model.inputGradient(
              batch,
              2,
              Map.of(
                  BundleModel.LOGITS, f.floats("cotangent"),
                  BundleModel.FEATURES, f.floats("cotangent_features")));
      assertRelativelyClose(withFeatures, f.floats("vjp_features_gradient"));
      float[] gradient =
          model.odinGradient(batch, 2, new float[] {1000f, 1000f}, List.of()).gradient();
      assertRelativelyClose(gradient, f.floats("odin_gradient"));
    }
  }

  private static void assertRelativelyClose(float[] got, float[] want) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < want.length; i++) {
      diff += Math.pow(got[i] - (double) want[i], 2);
      norm += Math.pow(want[i], 2);
    }
    assertThat(got).hasSameSizeAs(want);
    assertThat(Math.sqrt(diff / norm)).isLessThan(1e-4);
  }
}
