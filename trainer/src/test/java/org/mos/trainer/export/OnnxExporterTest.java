package org.mos.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.weights.FormulaWeights;

class OnnxExporterTest {

  private static final ResNetV2Spec SMALL = new ResNetV2Spec(new int[] {1, 1, 1, 1}, 32, 5);

  @TempDir Path dir;

  /** Formula weights for {@code spec}, OIHW (the formula is only a source of numbers here). */
  static WeightMap weights(ResNetV2Spec spec) {
    return FormulaWeights.weightMap(spec);
  }

  @Test
  void standardisesEachOutputChannelWithTheBiasedVariance() {
    // row 0: 1, 2, 3, 6: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5
    // row 1: constant 5: variance 0, so (w - mean) / sqrt(1e-10) = 0
    float[] w = OnnxExporter.standardise(new float[] {1, 2, 3, 6, 5, 5, 5, 5}, 2);
    double s = Math.sqrt(3.5 + 1e-10);
    assertThat((double) w[0]).isCloseTo(-2 / s, within(1e-7));
    assertThat((double) w[1]).isCloseTo(-1 / s, within(1e-7));
    assertThat(w[2]).isZero();
    assertThat((double) w[3]).isCloseTo(3 / s, within(1e-7));
    assertThat(w).endsWith(0f, 0f, 0f, 0f);
  }

  @Test
  void graphHasOpset21DynamicInputAndTheNamedOutputs() {
    ModelProto model = OnnxExporter.export(SMALL, weights(SMALL));
    assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(21);
    ValueInfoProto input = model.getGraph().getInput(0);
    assertThat(input.getName()).isEqualTo("input");
    List<TensorShapeProto.Dimension> dims = input.getType().getTensorType().getShape().getDimList();
    assertThat(dims)
        .extracting(TensorShapeProto.Dimension::getDimParam)
        .containsExactly("N", "", "H", "W");
    assertThat(dims.get(1).getDimValue()).isEqualTo(3);
    assertThat(model.getGraph().getOutputList())
        .extracting(ValueInfoProto::getName)
        .containsExactlyInAnyOrder(
            "logits", "features", "stem", "block1", "block2", "block3", "block4");
    assertThat(model.getGraph().getNodeList())
        .extracting(NodeProto::getOpType)
        .doesNotContain("GroupNormalization")
        .contains("InstanceNormalization");
  }

  @Test
  void rejectsWeightsOfAnotherShapeNamingTheParameter() {
    Map<String, WeightMap.Tensor> tensors = new LinkedHashMap<>();
    WeightMap good = weights(SMALL);
    good.keys().forEach(k -> tensors.put(k, good.get(k)));
    tensors.put(
        "resnet/block2/unit01/b/group_norm/gamma",
        new WeightMap.Tensor(new int[] {3}, new float[3]));
    assertThatThrownBy(() -> OnnxExporter.export(SMALL, WeightMap.of(tensors)))
        .hasMessageContaining("'resnet/block2/unit01/b/group_norm/gamma' has shape [3]")
        .hasMessageContaining("needs [64]");
  }

  /**
   * The spatial means hang off the trunk: nothing on the way to {@code logits} reads them. (ONNX
   * Runtime 1.23 still runs every node of the graph when a run asks only for {@code logits} — its
   * profiler shows the five GlobalAveragePool branches — but each reads one activation once, well
   * under 1% of a forward pass; see bench/export.md.)
   */
  @Test
  void spatialMeansAreSideBranchesOffThePathToTheLogits() {
    ModelProto model = OnnxExporter.export(SMALL, weights(SMALL));
    Map<String, NodeProto> producer = new LinkedHashMap<>();
    for (NodeProto n : model.getGraph().getNodeList()) {
      n.getOutputList().forEach(o -> producer.put(o, n));
    }
    java.util.Set<String> needed = new java.util.HashSet<>();
    java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of("logits"));
    while (!todo.isEmpty()) {
      NodeProto n = producer.get(todo.pop());
      if (n != null && needed.add(n.getName())) {
        todo.addAll(n.getInputList());
      }
    }
    assertThat(needed).contains("logits", "features").anyMatch(n -> n.startsWith("block4/unit01"));
    for (String layer : List.of("stem", "block1", "block2", "block3", "block4")) {
      assertThat(needed)
          .as(layer)
          .doesNotContain(layer)
          .noneMatch(n -> n.startsWith(layer + "/GlobalAveragePool"));
    }
    // and the unneeded nodes are exactly the ten nodes of the five branches
    assertThat(model.getGraph().getNodeCount() - needed.size()).isEqualTo(10);
  }
}
