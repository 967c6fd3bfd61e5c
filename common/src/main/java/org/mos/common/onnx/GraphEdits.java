package org.mos.common.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The edits the suite makes to ONNX graphs, in one place: fresh tensor names, renaming tensors
 * (also where subgraphs of {@code If}, {@code Loop} or {@code Scan} read them), pruning what no
 * longer feeds an output, float initializers, {@code Identity} nodes and shape annotations with a
 * dimension replaced (a symbolic batch, a new class count). Import ({@link BundleGraph}) and the
 * trainer's head export build on them. All methods return new messages; their arguments are
 * protobuf values and are never changed.
 */
public final class GraphEdits {

  private GraphEdits() {}

  /**
   * Every tensor name the graph defines or reads: its inputs, outputs, initializers, the inputs and
   * outputs of its nodes and the outer-scope names their subgraphs read. A new tensor needs a name
   * outside this set ({@link #freshName}).
   */
  public static Set<String> tensorNames(GraphProto graph) {
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

  /**
   * {@code base}, or {@code base_1}, {@code base_2}, ... whichever is first not in {@code taken};
   * the name returned is added to {@code taken}, so consecutive calls never return the same name.
   */
  public static String freshName(String base, Set<String> taken) {
    String name = base;
    for (int i = 1; taken.contains(name); i++) {
      name = base + "_" + i;
    }
    taken.add(name);
    return name;
  }

  /**
   * The node with its input and output tensors renamed by {@code rename} (names not in the map
   * stay), including the tensors its subgraphs read from the outer graph.
   */
  public static NodeProto renamed(NodeProto node, Map<String, String> rename) {
    NodeProto.Builder b = node.toBuilder();
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
        attr.setG(renamedNodes(attr.getG(), rename));
      }
      for (int g = 0; g < attr.getGraphsCount(); g++) {
        attr.setGraphs(g, renamedNodes(attr.getGraphs(g), rename));
      }
    }
    return b.build();
  }

  private static GraphProto renamedNodes(GraphProto g, Map<String, String> rename) {
    GraphProto.Builder b = g.toBuilder().clearNode();
    for (NodeProto n : g.getNodeList()) {
      b.addNode(renamed(n, rename));
    }
    return b.build();
  }

  /**
   * The graph with only what its outputs depend on, each list in its original order: the nodes
   * (reached backwards from the outputs, through the tensors subgraphs read too), the initializers
   * they read, the inputs they read (and those named in {@code keptInputs}, read or not), and the
   * {@code value_info} annotations of tensors a kept node still computes.
   */
  public static GraphProto pruned(GraphProto graph, Set<String> keptInputs) {
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
    GraphProto.Builder b =
        graph.toBuilder().clearNode().clearInitializer().clearInput().clearValueInfo();
    Set<String> computed = new HashSet<>();
    for (NodeProto n : graph.getNodeList()) {
      if (kept.contains(n)) {
        b.addNode(n);
        computed.addAll(n.getOutputList());
      }
    }
    for (TensorProto t : graph.getInitializerList()) {
      if (needed.contains(t.getName())) {
        b.addInitializer(t);
      }
    }
    for (ValueInfoProto v : graph.getInputList()) {
      if (keptInputs.contains(v.getName()) || needed.contains(v.getName())) {
        b.addInput(v);
      }
    }
    for (ValueInfoProto v : graph.getValueInfoList()) {
      if (computed.contains(v.getName())) {
        b.addValueInfo(v);
      }
    }
    return b.build();
  }

  /** The outer-scope tensor names the subgraphs of {@code node} read, at any depth. */
  static List<String> subgraphReads(NodeProto node) {
    List<String> reads = new ArrayList<>();
    for (AttributeProto a : node.getAttributeList()) {
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

  /**
   * A float32 initializer, its values as little-endian raw data.
   *
   * @param values row-major
   * @param dims the shape; their product must be {@code values.length}
   */
  public static TensorProto floatTensor(String name, float[] values, long... dims) {
    long count = 1;
    for (long d : dims) {
      count *= d;
    }
    if (count != values.length) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' has "
              + values.length
              + " values for the shape "
              + java.util.Arrays.toString(dims)
              + " ("
              + count
              + ")");
    }
    ByteBuffer raw =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .setRawData(ByteString.copyFrom(raw.array()));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  /** An {@code Identity} node named {@code nodeName}: {@code to = from}. */
  public static NodeProto identity(String nodeName, String from, String to) {
    return NodeProto.newBuilder()
        .setOpType("Identity")
        .setName(nodeName)
        .addInput(from)
        .addOutput(to)
        .build();
  }

  /** A dimension of fixed size. */
  public static TensorShapeProto.Dimension dimension(long size) {
    return TensorShapeProto.Dimension.newBuilder().setDimValue(size).build();
  }

  /** A symbolic dimension ({@code dim_param}), such as a batch size named {@code N}. */
  public static TensorShapeProto.Dimension dimension(String symbol) {
    return TensorShapeProto.Dimension.newBuilder().setDimParam(symbol).build();
  }

  /** The annotation of a float32 tensor {@code name} with the shape {@code dims}. */
  public static ValueInfoProto floatValue(String name, TensorShapeProto.Dimension... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (TensorShapeProto.Dimension d : dims) {
      shape.addDim(d);
    }
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

  /**
   * The annotation with dimension {@code axis} of its tensor shape replaced by {@code dim};
   * returned unchanged when it records no tensor shape or a shape of {@code axis} dimensions or
   * fewer.
   */
  public static ValueInfoProto withDimension(
      ValueInfoProto value, int axis, TensorShapeProto.Dimension dim) {
    if (!value.hasType()
        || !value.getType().hasTensorType()
        || !value.getType().getTensorType().hasShape()
        || value.getType().getTensorType().getShape().getDimCount() <= axis) {
      return value;
    }
    ValueInfoProto.Builder b = value.toBuilder();
    b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(axis, dim);
    return b.build();
  }
}
