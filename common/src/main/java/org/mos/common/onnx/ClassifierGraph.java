package org.mos.common.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a foreign image classifier's ONNX graph is, as import needs it: its single image input
 * (float, N x 3 x H x W), the tensor holding its logits, and its penultimate features, found
 * through the final linear layer ({@link LinearHead}) or named by the user. Every case the suite
 * cannot use or cannot decide is refused with an {@link OnnxGraphException} that says what was
 * found and which import option resolves it.
 *
 * @param input the image input's name
 * @param inputShape its dimensions, -1 where symbolic or absent (batch, channels, height, width)
 * @param logits the tensor holding the logits (a graph output, or any tensor named by {@code
 *     --logits-output})
 * @param features the penultimate features tensor
 * @param head the linear layer from features to logits, or null when {@code --features-output}
 *     names features that no constant linear layer maps to the logits
 */
public record ClassifierGraph(
    String input, long[] inputShape, String logits, String features, LinearHead head) {

  /** Normalisation-style outputs that mean the logits are one step further up the graph. */
  private static final Set<String> PROBABILITY_OPS = Set.of("Softmax", "LogSoftmax", "Sigmoid");

  /** Whether the graph fixes the batch dimension (to {@code inputShape[0]}). */
  public boolean fixedBatch() {
    return inputShape[0] > 0;
  }

  /** The spatial side the graph fixes (height = width), or empty when it is symbolic. */
  public OptionalInt fixedSide() {
    return inputShape[2] > 0 ? OptionalInt.of((int) inputShape[2]) : OptionalInt.empty();
  }

  /**
   * Analyses {@code model}.
   *
   * @param logitsOutput the logits tensor ({@code --logits-output}), or null: the single output
   * @param featuresOutput the features tensor ({@code --features-output}), or null: the input of
   *     the final linear layer
   * @throws OnnxGraphException naming what was found and the option that resolves it
   */
  public static ClassifierGraph analyse(
      ModelProto model, String logitsOutput, String featuresOutput) {
    GraphProto graph = model.getGraph();
    ValueInfoProto input = imageInput(graph);
    long[] shape = shapeOf(input);
    String logits =
        logitsOutput != null ? namedTensor(graph, logitsOutput, "--logits-output") : null;
    if (logits == null) {
      logits = singleOutput(graph);
    }
    refuseProbabilities(graph, logits, logitsOutput != null);
    if (featuresOutput != null) {
      String features = namedTensor(graph, featuresOutput, "--features-output");
      if (features.equals(logits)) {
        throw new OnnxGraphException(
            "--features-output and the logits name the same tensor '" + features + "'");
      }
      LinearHead head = null;
      try {
        LinearHead found = LinearHead.find(withOutput(model, logits), logits);
        head = found.features().equals(features) ? found : null;
      } catch (OnnxGraphException e) {
        // the named features need not feed a constant linear layer: the head stays unchecked
      }
      return new ClassifierGraph(input.getName(), shape, logits, features, head);
    }
    LinearHead head = LinearHead.find(withOutput(model, logits), logits);
    if (head.features().equals(input.getName())) {
      throw new OnnxGraphException(
          "the final linear layer reads the image input '"
              + input.getName()
              + "' itself: there are no penultimate features; name them with --features-output");
    }
    return new ClassifierGraph(input.getName(), shape, logits, head.features(), head);
  }

  /** The graph's inputs that are not initializers (older exporters list weights as inputs). */
  static List<ValueInfoProto> realInputs(GraphProto graph) {
    Set<String> weights = new HashSet<>();
    for (TensorProto t : graph.getInitializerList()) {
      weights.add(t.getName());
    }
    return graph.getInputList().stream().filter(i -> !weights.contains(i.getName())).toList();
  }

  private static ValueInfoProto imageInput(GraphProto graph) {
    List<ValueInfoProto> inputs = realInputs(graph);
    if (inputs.size() != 1) {
      throw new OnnxGraphException(
          "the graph has "
              + inputs.size()
              + " inputs ("
              + describe(inputs)
              + ") but a bundle feeds exactly one image tensor (N, 3, H, W): export the model with a"
              + " single image input");
    }
    ValueInfoProto in = inputs.get(0);
    TypeProto.Tensor t = in.getType().getTensorType();
    if (!in.getType().hasTensorType()
        || t.getElemType() != TensorProto.DataType.FLOAT.getNumber()) {
      throw new OnnxGraphException(
          "the input "
              + describe(List.of(in))
              + " is not a float32 tensor: a bundle feeds normalised float32 images (N, 3, H, W);"
              + " export the model without its own image decoding or casting");
    }
    long[] shape = shapeOf(in);
    if (shape.length != 4 || (shape[1] > 0 && shape[1] != 3)) {
      throw new OnnxGraphException(
          "the input '"
              + in.getName()
              + "' has shape "
              + shapeText(shape)
              + " but a bundle feeds RGB images of shape (N, 3, H, W)");
    }
    if (shape[2] > 0 != shape[3] > 0 || (shape[2] > 0 && shape[2] != shape[3])) {
      throw new OnnxGraphException(
          "the input '"
              + in.getName()
              + "' has shape "
              + shapeText(shape)
              + ": a bundle feeds square crops (H = W), both fixed or both symbolic");
    }
    return in;
  }

  private static String singleOutput(GraphProto graph) {
    if (graph.getOutputCount() == 1) {
      return graph.getOutput(0).getName();
    }
    throw new OnnxGraphException(
        "the graph has "
            + graph.getOutputCount()
            + " outputs ("
            + describe(graph.getOutputList())
            + "): name the one holding the logits with --logits-output");
  }

  /** A tensor the user named: a graph output or the output of some node. */
  private static String namedTensor(GraphProto graph, String name, String option) {
    boolean isOutput = graph.getOutputList().stream().anyMatch(o -> o.getName().equals(name));
    if (isOutput || OnnxModels.producers(graph).containsKey(name)) {
      return name;
    }
    throw new OnnxGraphException(
        option
            + " "
            + name
            + ": the graph has no tensor of that name (its outputs: "
            + describe(graph.getOutputList())
            + ")");
  }

  private static void refuseProbabilities(GraphProto graph, String logits, boolean named) {
    Map<String, NodeProto> producers = OnnxModels.producers(graph);
    NodeProto node = producers.get(logits);
    while (node != null && node.getOpType().equals("Identity")) {
      node = producers.get(node.getInput(0));
    }
    if (node != null && PROBABILITY_OPS.contains(node.getOpType())) {
      throw new OnnxGraphException(
          (named ? "--logits-output " : "the output ")
              + "'"
              + logits
              + "' is the "
              + node.getOpType()
              + " of '"
              + node.getInput(0)
              + "' (node '"
              + node.getName()
              + "'), not logits: the OOD scores need the logits before it; import with"
              + " --logits-output "
              + node.getInput(0));
    }
  }

  /** {@code model} with {@code name} among its graph outputs (an untyped one when added). */
  static ModelProto withOutput(ModelProto model, String name) {
    if (model.getGraph().getOutputList().stream().anyMatch(o -> o.getName().equals(name))) {
      return model;
    }
    GraphProto graph =
        model.getGraph().toBuilder()
            .addOutput(ValueInfoProto.newBuilder().setName(name).build())
            .build();
    return model.toBuilder().setGraph(graph).build();
  }

  static long[] shapeOf(ValueInfoProto v) {
    if (!v.getType().getTensorType().hasShape()) {
      return new long[] {-1, -1, -1, -1};
    }
    TensorShapeProto s = v.getType().getTensorType().getShape();
    long[] dims = new long[s.getDimCount()];
    for (int i = 0; i < dims.length; i++) {
      TensorShapeProto.Dimension d = s.getDim(i);
      dims[i] = d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : -1;
    }
    return dims;
  }

  static String shapeText(long[] shape) {
    return Arrays.stream(shape)
        .mapToObj(d -> d > 0 ? Long.toString(d) : "?")
        .collect(Collectors.joining(", ", "(", ")"));
  }

  private static String describe(List<ValueInfoProto> values) {
    List<String> parts = new ArrayList<>();
    for (ValueInfoProto v : values) {
      TypeProto.Tensor t = v.getType().getTensorType();
      String type =
          v.getType().hasTensorType()
              ? TensorProto.DataType.forNumber(t.getElemType()) + " " + shapeText(shapeOf(v))
              : "not a tensor";
      parts.add("'" + v.getName() + "' " + type);
    }
    return String.join(", ", parts);
  }
}
