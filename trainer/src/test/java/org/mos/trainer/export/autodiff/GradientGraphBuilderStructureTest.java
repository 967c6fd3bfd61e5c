package org.mos.trainer.export.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mos.common.inference.GradientGraphs;

/**
 * What the gradient graphs built from the torchvision classifiers of {@link
 * GradientGraphBuilderTest} look like, besides their values: which ops the backward of a
 * convolution uses, no unread initialisers, the bundle contract's inputs and outputs.
 */
class GradientGraphBuilderStructureTest {

  /**
   * ONNX Runtime's ConvTranspose (GEMM + col2im) took twice as long as its Conv on a BiT-R50x1
   * (bench/import.md), so the backward of a stride-1 convolution is a Conv; only strided ones keep
   * ConvTranspose.
   */
  @ParameterizedTest
  @ValueSource(strings = {"resnet", "mobilenet"})
  void strideOneConvolutionsDifferentiateAsConvAndStridedOnesAsConvTranspose(String model)
      throws Exception {
    GradientGraphBuilderTest.Fixture f = GradientGraphBuilderTest.Fixture.load(model);
    long strideOne = 0;
    long strided = 0;
    for (ai.onnx.proto.OnnxMl.NodeProto n : f.forward().getGraph().getNodeList()) {
      if (n.getOpType().equals("Conv")) {
        boolean one =
            n.getAttributeList().stream()
                .filter(a -> a.getName().equals("strides"))
                .allMatch(a -> a.getIntsList().stream().allMatch(v -> v == 1));
        if (one) {
          strideOne++;
        } else {
          strided++;
        }
      }
    }
    ModelProto odin = f.build().odinGradient().orElseThrow();
    Map<String, Long> ops = new java.util.HashMap<>();
    odin.getGraph().getNodeList().forEach(n -> ops.merge(n.getOpType(), 1L, Long::sum));
    assertThat(strideOne).as("stride-1 convolutions in the fixture").isPositive();
    assertThat(ops.getOrDefault("ConvTranspose", 0L)).isEqualTo(strided);
    assertThat(ops.get("Conv")).isEqualTo(2 * strideOne + strided);
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet", "mobilenet", "vit", "zoo", "more"})
  void gradientGraphsHoldNoInitializerThatNoNodeReads(String model) throws Exception {
    GradientGraphBuilder.Result r = GradientGraphBuilderTest.Fixture.load(model).build();
    for (ModelProto graph : List.of(r.vjpLogits().orElseThrow(), r.odinGradient().orElseThrow())) {
      Set<String> read = new java.util.HashSet<>();
      graph.getGraph().getNodeList().forEach(n -> read.addAll(n.getInputList()));
      assertThat(graph.getGraph().getInitializerList())
          .extracting(ai.onnx.proto.OnnxMl.TensorProto::getName)
          .allMatch(read::contains);
    }
  }

  @Test
  void graphsDeclareTheBundleContractsInputsAndOutputs() throws Exception {
    GradientGraphBuilder.Result r = GradientGraphBuilderTest.Fixture.load("mobilenet").build();
    ModelProto vjp = r.vjpLogits().orElseThrow();
    assertThat(vjp.getGraph().getInputList().stream().map(ValueInfoProto::getName))
        .containsExactly("input", GradientGraphs.COTANGENT, "cotangent_features");
    assertThat(vjp.getGraph().getOutputList().stream().map(ValueInfoProto::getName))
        .containsExactly("logits", "features", GradientGraphs.INPUT_GRADIENT);
    ModelProto odin = r.odinGradient().orElseThrow();
    assertThat(odin.getGraph().getInputList().stream().map(ValueInfoProto::getName))
        .containsExactly("input", GradientGraphs.TEMPERATURE);
  }
}
