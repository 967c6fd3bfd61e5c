package org.mos.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.inference.synthetic.OnnxProtos;

class BundleGraphTest {

  /** logits = W pooled + b; W (2 classes, 3 channels). */
  private static final float[][] W = {{1, -2, 0.5f}, {0, 1, 3}};

  private static final float[] B = {0.25f, -1};

  private static NodeProto node(String op, String out, String... in) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + out);
    for (String i : in) {
      n.addInput(i);
    }
    return n.addOutput(out).build();
  }

  /**
   * A graph whose tensor names collide with the bundle's: the pooled image is called 'input', the
   * features 'logits' and the logits (an output) 'features'; a second output 'aux' is dead weight.
   */
  private static ModelProto confusingGraph() {
    GraphProto g =
        GraphProto.newBuilder()
            .setName("confusing")
            .addInput(OnnxProtos.floatValue("x", "batch", 3, 2, 2))
            .addInitializer(OnnxProtos.floats("W", W))
            .addInitializer(OnnxProtos.floats("b", B))
            .addNode(node("GlobalAveragePool", "input", "x"))
            .addNode(node("Flatten", "logits", "input"))
            .addNode(
                node("Gemm", "features", "logits", "W", "b").toBuilder()
                    .addAttribute(OnnxProtos.transposeB())
                    .build())
            .addNode(node("Relu", "aux", "logits"))
            .addOutput(OnnxProtos.floatValue("features", "batch", 2))
            .addOutput(OnnxProtos.floatValue("aux", "batch", 3))
            .build();
    return OnnxProtos.model("test", g);
  }

  @Test
  void renamesAroundCollidingNamesAndKeepsOnlyWhatFeedsTheOutputs() throws Exception {
    OnnxImport.Imported imported =
        OnnxImport.importModel(confusingGraph(), new OnnxImport.Options("features", null, 2));
    assertThat(imported.found().features()).isEqualTo("logits");
    GraphProto g = imported.graph().getGraph();
    assertThat(g.getInputList()).extracting(ValueInfoProto::getName).containsExactly("input");
    assertThat(g.getOutputList())
        .extracting(ValueInfoProto::getName)
        .containsExactly("logits", "features");
    assertThat(g.getNodeList()).extracting(NodeProto::getOpType).doesNotContain("Relu");
    // one image, channel means 1, 2, -1: logits = (1 - 4 - 0.5 + 0.25, 0 + 2 - 3 - 1)
    float[] image = {1, 1, 1, 1, 2, 2, 2, 2, -1, -1, -1, -1};
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(imported.graph().toByteArray());
        OnnxTensor in =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(image), new long[] {1, 3, 2, 2});
        OrtSession.Result r = s.run(Map.of("input", in))) {
      float[][] logits = (float[][]) r.get("logits").orElseThrow().getValue();
      float[][] features = (float[][]) r.get("features").orElseThrow().getValue();
      assertThat(logits[0]).containsExactly(-3.25f, -2f);
      assertThat(features[0]).containsExactly(1f, 2f, -1f);
    }
  }

  @Test
  void twoOutputsNeedTheLogitsNamed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> OnnxImport.importModel(confusingGraph(), new OnnxImport.Options(null, null, 2)))
        .isInstanceOf(OnnxGraphException.class)
        .hasMessageContaining("the graph has 2 outputs ('features' FLOAT (?, 2), 'aux'")
        .hasMessageContaining("--logits-output");
  }
}
