package org.mos.common.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
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
    Set<String> names = allNames(graph);
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
        rename.put(reserved, fresh(reserved + "_original", names));
      }
    }
    rename.put(found.input(), INPUT);
    String logits = rename.getOrDefault(found.logits(), found.logits());
    String features = rename.getOrDefault(found.features(), found.features());

    GraphProto.Builder out = graph.toBuilder().clearNode().clearOutput().clearValueInfo();
    for (NodeProto n : graph.getNodeList()) {
      out.addNode(renamed(n, rename));
    }
    if (!logits.equals(LOGITS)) {
      out.addNode(identity(logits, LOGITS));
    }
    if (!features.equals(FEATURES)) {
      out.addNode(identity(features, FEATURES));
    }
    out.clearInitializer();
    for (TensorProto t : graph.getInitializerList()) {
      out.addInitializer(t.toBuilder().setName(rename.getOrDefault(t.getName(), t.getName())));
    }
    out.clearInput();
    for (ValueInfoProto v : graph.getInputList()) {
      ValueInfoProto r =
          v.toBuilder().setName(rename.getOrDefault(v.getName(), v.getName())).build();
      out.addInput(r.getName().equals(INPUT) ? withBatch(r) : r);
    }
    out.addOutput(matrix(LOGITS, classes));
    out.addOutput(matrix(FEATURES, featureDim));
    return model.toBuilder().setGraph(pruned(out.build())).build();
  }

  private static NodeProto identity(String from, String to) {
    return NodeProto.newBuilder()
        .setOpType("Identity")
        .setName("mos_import_" + to)
        .addInput(from)
        .addOutput(to)
        .build();
  }

  /** A float (N, cols) output; cols 0 or less: symbolic. */
  private static ValueInfoProto matrix(String name, int cols) {
    TensorShapeProto shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH))
            .addDim(
                cols > 0
                    ? TensorShapeProto.Dimension.newBuilder().setDimValue(cols)
                    : TensorShapeProto.Dimension.newBuilder().setDimParam(name + "_length"))
            .build();
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }

  /** The input with its first dimension made the symbolic batch. */
  private static ValueInfoProto withBatch(ValueInfoProto input) {
    ValueInfoProto.Builder b = input.toBuilder();
    TypeProto.Tensor.Builder t = b.getTypeBuilder().getTensorTypeBuilder();
    if (t.hasShape() && t.getShape().getDimCount() > 0) {
      t.getShapeBuilder().setDim(0, TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
    }
    return b.build();
  }

  private static NodeProto renamed(NodeProto n, Map<String, String> rename) {
    NodeProto.Builder b = n.toBuilder();
    for (int i = 0; i < b.getInputCount(); i++) {
      b.setInput(i, rename.getOrDefault(b.getInput(i), b.getInput(i)));
    }
    for (int i = 0; i < b.getOutputCount(); i++) {
      b.setOutput(i, rename.getOrDefault(b.getOutput(i), b.getOutput(i)));
    }
    // subgraphs (If, Loop, Scan) may read the outer graph's tensors by name
    for (int a = 0; a < b.getAttributeCount(); a++) {
      AttributeProto.Builder attr = b.getAttributeBuilder(a);
      if (attr.hasG()) {
        attr.setG(renamedGraph(attr.getG(), rename));
      }
      for (int g = 0; g < attr.getGraphsCount(); g++) {
        attr.setGraphs(g, renamedGraph(attr.getGraphs(g), rename));
      }
    }
    return b.build();
  }

  private static GraphProto renamedGraph(GraphProto g, Map<String, String> rename) {
    GraphProto.Builder b = g.toBuilder().clearNode();
    for (NodeProto n : g.getNodeList()) {
      b.addNode(renamed(n, rename));
    }
    return b.build();
  }

  /** Keeps the nodes and initializers the outputs depend on, in their order. */
  private static GraphProto pruned(GraphProto graph) {
    Map<String, NodeProto> producers = OnnxModels.producers(graph);
    Set<NodeProto> kept = new HashSet<>();
    Set<String> needed = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    graph.getOutputList().forEach(o -> todo.add(o.getName()));
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (!needed.add(name)) {
        continue;
      }
      NodeProto p = producers.get(name);
      if (p != null && kept.add(p)) {
        todo.addAll(p.getInputList());
        todo.addAll(subgraphReads(p));
      }
    }
    GraphProto.Builder b = graph.toBuilder().clearNode().clearInitializer().clearInput();
    for (NodeProto n : graph.getNodeList()) {
      if (kept.contains(n)) {
        b.addNode(n);
      }
    }
    for (TensorProto t : graph.getInitializerList()) {
      if (needed.contains(t.getName())) {
        b.addInitializer(t);
      }
    }
    for (ValueInfoProto v : graph.getInputList()) {
      if (v.getName().equals(INPUT) || needed.contains(v.getName())) {
        b.addInput(v);
      }
    }
    return b.build();
  }

  private static List<String> subgraphReads(NodeProto n) {
    List<String> reads = new ArrayList<>();
    for (AttributeProto a : n.getAttributeList()) {
      List<GraphProto> graphs = new ArrayList<>(a.getGraphsList());
      if (a.hasG()) {
        graphs.add(a.getG());
      }
      for (GraphProto g : graphs) {
        for (NodeProto inner : g.getNodeList()) {
          reads.addAll(inner.getInputList());
          reads.addAll(subgraphReads(inner));
        }
      }
    }
    return reads;
  }

  private static Set<String> allNames(GraphProto graph) {
    Set<String> names = new HashSet<>();
    graph.getInputList().forEach(v -> names.add(v.getName()));
    graph.getOutputList().forEach(v -> names.add(v.getName()));
    graph.getInitializerList().forEach(t -> names.add(t.getName()));
    for (NodeProto n : graph.getNodeList()) {
      names.addAll(n.getInputList());
      names.addAll(n.getOutputList());
      names.addAll(subgraphReads(n));
    }
    return names;
  }

  private static String fresh(String base, Set<String> taken) {
    String name = base;
    for (int i = 1; taken.contains(name); i++) {
      name = base + "_" + i;
    }
    taken.add(name);
    return name;
  }
}
