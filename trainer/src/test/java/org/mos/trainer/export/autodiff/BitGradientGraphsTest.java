package org.mos.trainer.export.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.inference.GradientGraphs;
import org.mos.trainer.export.OnnxExporter;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.VjpExporter;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.weights.FormulaWeights;

/**
 * The generic builder on a BiT bundle's own {@code model.onnx} (group norm as
 * InstanceNormalization, the stem's Pad, opset 21) reproduces the hand-written {@link VjpExporter}
 * graphs: the same input gradient for a logits cotangent and for ODIN, at an even and an odd image
 * size.
 */
class BitGradientGraphsTest {

  private static final int CLASSES = 7;

  @Test
  void genericGraphsReproduceVjpExporterOnABitModel() throws Exception {
    ResNetV2Spec spec = new ResNetV2Spec(new int[] {2, 1, 1, 2}, 32, CLASSES);
    WeightMap weights = FormulaWeights.weightMap(spec);
    GradientGraphBuilder.Result built =
        GradientGraphBuilder.build(OnnxExporter.export(spec, weights));
    assertThat(built.unsupported()).isEmpty();
    ModelProto ours = built.vjpLogits().orElseThrow();
    ModelProto theirs = VjpExporter.vjpLogits(spec, weights);
    try (GradientGraphBuilderTest.Graph generic = new GradientGraphBuilderTest.Graph(ours);
        GradientGraphBuilderTest.Graph bit = new GradientGraphBuilderTest.Graph(theirs);
        GradientGraphBuilderTest.Graph genericOdin =
            new GradientGraphBuilderTest.Graph(built.odinGradient().orElseThrow());
        GradientGraphBuilderTest.Graph bitOdin =
            new GradientGraphBuilderTest.Graph(VjpExporter.odinGradient(spec, weights))) {
      for (int size : new int[] {40, 37}) {
        int batch = 2;
        GradientGraphBuilderTest.Input x =
            new GradientGraphBuilderTest.Input(
                FormulaWeights.values("input", batch * 3 * size * size),
                new long[] {batch, 3, size, size});
        GradientGraphBuilderTest.Input v =
            new GradientGraphBuilderTest.Input(
                FormulaWeights.values("cotangent", batch * CLASSES), new long[] {batch, CLASSES});
        Map<String, GradientGraphBuilderTest.Input> feeds =
            new java.util.HashMap<>(Map.of("input", x, GradientGraphs.COTANGENT, v));
        float[] want =
            bit.run(withZeroLayers(feeds, spec), GradientGraphs.INPUT_GRADIENT)
                .get(GradientGraphs.INPUT_GRADIENT);
        feeds.put(
            "cotangent_features",
            new GradientGraphBuilderTest.Input(
                new float[spec.featureWidth()], new long[] {1, spec.featureWidth()}));
        float[] got =
            generic.run(feeds, GradientGraphs.INPUT_GRADIENT).get(GradientGraphs.INPUT_GRADIENT);
        GradientGraphBuilderTest.assertClose("vjp at " + size + " px", got, want, 1e-5);

        GradientGraphBuilderTest.Input t =
            new GradientGraphBuilderTest.Input(new float[] {1000f, 1f}, new long[] {batch, 1});
        Map<String, GradientGraphBuilderTest.Input> odinFeeds =
            Map.of("input", x, GradientGraphs.TEMPERATURE, t);
        GradientGraphBuilderTest.assertClose(
            "odin at " + size + " px",
            genericOdin
                .run(odinFeeds, GradientGraphs.INPUT_GRADIENT)
                .get(GradientGraphs.INPUT_GRADIENT),
            bitOdin
                .run(odinFeeds, GradientGraphs.INPUT_GRADIENT)
                .get(GradientGraphs.INPUT_GRADIENT),
            1e-5);
      }
    }
  }

  /** The BiT VJP graph's layer cotangents, all zero. */
  private static Map<String, GradientGraphBuilderTest.Input> withZeroLayers(
      Map<String, GradientGraphBuilderTest.Input> feeds, ResNetV2Spec spec) {
    Map<String, GradientGraphBuilderTest.Input> all = new java.util.HashMap<>(feeds);
    String[] layers = {"stem", "block1", "block2", "block3", "block4"};
    int[] widths = spec.layerWidths();
    for (int i = 0; i < layers.length; i++) {
      all.put(
          GradientGraphs.layerCotangent(layers[i]),
          new GradientGraphBuilderTest.Input(new float[widths[i]], new long[] {1, widths[i]}));
    }
    return all;
  }
}
