package org.mos.common.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a foreign classifier's graph into a bundle's: its one input is named {@code input}, its
 * outputs are exactly {@code logits} and {@code features} (Identity nodes from the tensors {@link
 * ClassifierGraph} found; a tensor that already had one of these names is renamed out of the way),
 * and the batch dimension of input and outputs is the symbolic {@code N}. Nodes and initializers
 * that no longer feed an output are dropped, and intermediate shape annotations ({@code
 * value_info}, which may carry the old fixed batch) are removed: ONNX Runtime infers them again.
 * Whether the graph really computes each image of a batch independently is not decided here; the
 * import runs it ({@link ImportCheck}).
 */
public final class BundleGraph {

  /** The bundle graph's input name. */
  public static final String INPUT = "input";

  /** The bundle graph's outputs. */
  public static final String LOGITS = "logits";

  public static final String FEATURES = "features";

  /** The symbolic batch dimension. */
  public static final String BATCH = "N";

  private BundleGraph() {}

  /**
   * The bundle graph of {@code model} as {@code found} describes it.
   *
   * @param classes the logits' length, or 0 when not known
   * @param featureDim the features' length (second dimension), or 0 when not known
   */
  public static ModelProto rewrite(
      ModelProto model, ClassifierGraph found, int classes, int featureDim) {
    GraphProto graph = model.getGraph();
    Set<String> names = GraphEdits.tensorNames(graph);
    Map<String, String> rename = new HashMap<>();
    // free the three bundle names from tensors that are not the ones they must name
    for (String reserved : List.of(INPUT, LOGITS, FEATURES)) {
      String wanted =
          switch (reserved) {
            case INPUT -> found.input();
            case LOGITS -> found.logits();
            default -> found.features();
          };
      if (names.contains(reserved) && !reserved.equals(wanted)) {
        rename.put(reserved, GraphEdits.freshName(reserved + "_original", names));
      }
    }
    rename.put(found.input(), INPUT);
    String logits = rename.getOrDefault(found.logits(), found.logits());
    String features = rename.getOrDefault(found.features(), found.features());

    GraphProto.Builder out = graph.toBuilder().clearNode().clearOutput().clearValueInfo();
    for (NodeProto n : graph.getNodeList()) {
      out.addNode(GraphEdits.renamed(n, rename));
    }
    if (!logits.equals(LOGITS)) {
      out.addNode(GraphEdits.identity("mos_import_" + LOGITS, logits, LOGITS));
    }
    if (!features.equals(FEATURES)) {
      out.addNode(GraphEdits.identity("mos_import_" + FEATURES, features, FEATURES));
    }
    out.clearInitializer();
    for (TensorProto t : graph.getInitializerList()) {
      out.addInitializer(t.toBuilder().setName(rename.getOrDefault(t.getName(), t.getName())));
    }
    out.clearInput();
    for (ValueInfoProto v : graph.getInputList()) {
      ValueInfoProto r =
          v.toBuilder().setName(rename.getOrDefault(v.getName(), v.getName())).build();
      out.addInput(r.getName().equals(INPUT) ? GraphEdits.withDimension(r, 0, batch()) : r);
    }
    out.addOutput(matrix(LOGITS, classes));
    out.addOutput(matrix(FEATURES, featureDim));
    return model.toBuilder().setGraph(GraphEdits.pruned(out.build(), Set.of(INPUT))).build();
  }

  private static TensorShapeProto.Dimension batch() {
    return GraphEdits.dimension(BATCH);
  }

  /** A float (N, cols) output; cols 0 or less: symbolic. */
  private static ValueInfoProto matrix(String name, int cols) {
    return GraphEdits.floatValue(
        name,
        batch(),
        cols > 0 ? GraphEdits.dimension(cols) : GraphEdits.dimension(name + "_length"));
  }
}
