package org.mos.trainer.export.autodiff;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mos.common.inference.GradientGraphs;
import org.mos.trainer.export.OnnxGraph;
import org.mos.trainer.export.VjpExporter;

/**
 * Reverse-mode differentiation of an imported classifier's ONNX graph: from a forward graph with
 * input {@code input} (N, 3, H, W), output {@code logits} (N, classes) and optionally {@code
 * features} (N, F), builds the two gradient graphs of a bundle ({@link GradientGraphs}):
 *
 * <ul>
 *   <li>{@code vjp_logits.onnx}: inputs {@code input}, {@code cotangent} (N, classes) and, when the
 *       graph has features, {@code cotangent_features} (N or 1, F); outputs every forward output
 *       and {@code input_gradient} = J^T of sum(cotangent logits) + sum(cotangent_features
 *       features);
 *   <li>{@code odin_gradient.onnx}: inputs {@code input}, {@code temperature} (N, 1); outputs every
 *       forward output and {@code input_gradient} = d CE(logits / T, argmax) / d input.
 * </ul>
 *
 * <p>The forward graph is kept as it is (same nodes, same opset, raised to 16 where lower for
 * ScatterElements' add reduction) and the backward appended node by node in reverse order, each op
 * by its rule in {@link OperatorRules}. Values that do not depend on the input, or are not float
 * (shape arithmetic: Shape, Gather of shapes, Concat of sizes ..), carry no gradient and need no
 * rule. ONNX Runtime runs the forward once first to learn each value's type and rank. A graph whose
 * path from the input to the logits crosses an op without a rule gets no graphs and a message
 * naming the op and the node.
 */
public final class GradientGraphBuilder {

  public static final String INPUT = "input";
  public static final String LOGITS = "logits";
  public static final String FEATURES = "features";

  /**
   * Cast targets that are floats other than float32 (float16, double, bfloat16): such a cast of an
   * active value stays active, so that the Cast's rule refuses it on the path instead of the
   * gradient silently stopping there.
   */
  private static final Set<Long> OTHER_FLOATS = Set.of(10L, 11L, 16L);

  private static final int MIN_OPSET = 13;
  private static final int OUTPUT_OPSET = 16;
  private static final long IR_VERSION = 8;

  /**
   * The gradient graphs, or why there are none.
   *
   * @param vjpLogits the {@code vjp_logits.onnx} graph
   * @param odinGradient the {@code odin_gradient.onnx} graph
   * @param unsupported why the graph cannot be differentiated here (then both graphs are empty)
   */
  public record Result(
      Optional<ModelProto> vjpLogits,
      Optional<ModelProto> odinGradient,
      Optional<String> unsupported) {

    public static Result refused(String why) {
      return new Result(Optional.empty(), Optional.empty(), Optional.of(why));
    }
  }

  private final ModelProto forward;
  private final GraphProto graph;
  private final Map<String, ValueProbe.Value> values;
  private final Map<String, TensorProto> constants = new HashMap<>();
  private final Set<String> active = new HashSet<>();
  private final Set<String> needed = new HashSet<>();
  private final boolean hasFeatures;

  private GradientGraphBuilder(ModelProto forward) {
    this.forward = forward;
    this.graph = forward.getGraph();
    checkInterface();
    this.values = ValueProbe.run(forward, INPUT);
    this.hasFeatures = graph.getOutputList().stream().anyMatch(o -> o.getName().equals(FEATURES));
    for (TensorProto t : graph.getInitializerList()) {
      constants.put(t.getName(), t);
    }
    for (NodeProto n : graph.getNodeList()) {
      if (n.getOpType().equals("Constant")) {
        for (AttributeProto a : n.getAttributeList()) {
          if (a.getName().equals("value")) {
            constants.put(n.getOutput(0), a.getT());
          }
        }
      }
    }
    markActive();
    markNeeded();
  }

  /**
   * Builds both gradient graphs of {@code forward}, or says why it cannot: an operator (or an
   * attribute of one) without a backward rule on the path from {@code input} to {@code logits} or
   * {@code features}, an opset before 13, missing names, or a graph ONNX Runtime cannot run.
   */
  public static Result build(ModelProto forward) {
    try {
      GradientGraphBuilder b = new GradientGraphBuilder(forward);
      return new Result(Optional.of(b.emit(false)), Optional.of(b.emit(true)), Optional.empty());
    } catch (NotDifferentiableException e) {
      return Result.refused(e.getMessage());
    }
  }

  /** The op types the builder differentiates, sorted. */
  public static Set<String> supportedOperators() {
    return OperatorRules.supported();
  }

  private void checkInterface() {
    long opset = 0;
    for (OperatorSetIdProto o : forward.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = o.getVersion();
      }
    }
    if (opset < MIN_OPSET) {
      throw new NotDifferentiableException(
          "the graph uses opset "
              + opset
              + "; gradient graphs need opset "
              + MIN_OPSET
              + " or later (re-export with opset_version=17)");
    }
    if (graph.getInputList().stream().noneMatch(i -> i.getName().equals(INPUT))) {
      throw new NotDifferentiableException("the graph has no input named '" + INPUT + "'");
    }
    if (graph.getOutputList().stream().noneMatch(o -> o.getName().equals(LOGITS))) {
      throw new NotDifferentiableException("the graph has no output named '" + LOGITS + "'");
    }
  }

  /** Values computed from the input through differentiable inputs of ops, and float. */
  private void markActive() {
    active.add(INPUT);
    for (NodeProto n : graph.getNodeList()) {
      OperatorRules.Entry rule = OperatorRules.of(n.getOpType());
      boolean fed = false;
      for (int i = 0; i < n.getInputCount(); i++) {
        boolean slot = rule == null || rule.inputs() == null || rule.inputs().contains(i);
        fed |= slot && active.contains(n.getInput(i));
      }
      if (!fed) {
        continue;
      }
      boolean otherFloat =
          n.getOpType().equals("Cast") && OTHER_FLOATS.contains(Backward.attr(n, "to", 1L));
      for (String out : n.getOutputList()) {
        ValueProbe.Value v = values.get(out);
        if (!out.isEmpty() && (v == null || v.isFloat() || otherFloat)) {
          active.add(out);
        }
      }
    }
  }

  /** Active values on a path to the logits or features; refuses ops there without a rule. */
  private void markNeeded() {
    for (String target : List.of(LOGITS, FEATURES)) {
      if (active.contains(target)) {
        needed.add(target);
      }
    }
    if (!needed.contains(LOGITS)) {
      throw new NotDifferentiableException("the logits do not depend on the input");
    }
    List<NodeProto> nodes = graph.getNodeList();
    List<String> refusals = new ArrayList<>();
    for (int k = nodes.size() - 1; k >= 0; k--) {
      NodeProto n = nodes.get(k);
      if (n.getOutputList().stream().noneMatch(needed::contains)) {
        continue;
      }
      OperatorRules.Entry rule = OperatorRules.of(n.getOpType());
      String why = refusal(n, rule);
      if (why != null) {
        refusals.add(0, Backward.describe(n) + why);
      }
      for (int i = 0; i < n.getInputCount(); i++) {
        if (active.contains(n.getInput(i))) {
          needed.add(n.getInput(i));
        }
      }
    }
    if (!refusals.isEmpty()) {
      String more = refusals.size() > 1 ? " (and " + (refusals.size() - 1) + " more)" : "";
      throw new NotDifferentiableException(refusals.get(0) + more);
    }
    if (!needed.contains(INPUT)) {
      throw new NotDifferentiableException("the logits do not depend on the input");
    }
  }

  private String refusal(NodeProto n, OperatorRules.Entry rule) {
    if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
      return " (domain " + n.getDomain() + ") is not differentiable here";
    }
    if (rule == null) {
      return " is not differentiable here";
    }
    for (int i = 0; i < n.getInputCount(); i++) {
      boolean slot = rule.inputs() == null || rule.inputs().contains(i);
      if (!slot && active.contains(n.getInput(i))) {
        return ": its input "
            + i
            + " depends on the input image; only inputs "
            + rule.inputs()
            + " are differentiated";
      }
    }
    if (!n.getOpType().equals("Split")) {
      for (int i = 1; i < n.getOutputCount(); i++) {
        if (needed.contains(n.getOutput(i))) {
          return ": its output " + i + " is not differentiated";
        }
      }
    }
    if (n.getOpType().equals("Cast") && Backward.attr(n, "to", 1L) != Backward.FLOAT) {
      return ": a cast to type " + Backward.attr(n, "to", 1L) + " (only float32 is differentiated)";
    }
    return null;
  }

  private ModelProto emit(boolean odin) {
    OnnxGraph g = OnnxGraph.extending(graph);
    Backward b = new Backward(g, values, needed, constants);
    Object batch = batchDimension();
    long classes = width(LOGITS);
    if (odin) {
      g.input(GradientGraphs.TEMPERATURE, batch, 1);
      b.accumulate(
          LOGITS, VjpExporter.odinCotangent(g, LOGITS, GradientGraphs.TEMPERATURE, classes));
    } else {
      g.input(GradientGraphs.COTANGENT, batch, (int) classes);
      b.accumulate(LOGITS, GradientGraphs.COTANGENT);
      if (needed.contains(FEATURES)) {
        String name = GradientGraphs.layerCotangent(FEATURES);
        g.input(name, "M", (int) width(FEATURES));
        b.accumulate(FEATURES, featureCotangent(b, name));
      }
    }
    List<NodeProto> nodes = graph.getNodeList();
    for (int k = nodes.size() - 1; k >= 0; k--) {
      NodeProto n = nodes.get(k);
      if (n.getOutputList().stream().anyMatch(o -> b.gradient(o) != null && needed.contains(o))) {
        b.at(n, k);
        OperatorRules.of(n.getOpType()).rule().backward(b, n);
      }
    }
    g.nodeTo(GradientGraphs.INPUT_GRADIENT, "Identity", new AttributeProto[0], b.gradient(INPUT));
    g.output(GradientGraphs.INPUT_GRADIENT, inputDimensions());
    String what =
        odin ? "ODIN input gradient" : "VJP of logits" + (hasFeatures ? " and features" : "");
    return withoutUnusedInitializers(
        g.modelLike(
            forward,
            IR_VERSION,
            OUTPUT_OPSET,
            "gradient graph (" + what + ") of: " + forward.getDocString()));
  }

  /**
   * The model without initialisers no node reads: constants a rule wrote before the gradient of
   * their value turned out not to be needed (ONNX Runtime warns about each and drops it at load).
   */
  private static ModelProto withoutUnusedInitializers(ModelProto model) {
    Set<String> read = new HashSet<>();
    model.getGraph().getNodeList().forEach(n -> read.addAll(n.getInputList()));
    model.getGraph().getOutputList().forEach(o -> read.add(o.getName()));
    // weights listed as graph inputs too (old exporters) stay: the input's default value
    model.getGraph().getInputList().forEach(i -> read.add(i.getName()));
    GraphProto.Builder graph = model.getGraph().toBuilder().clearInitializer();
    for (TensorProto t : model.getGraph().getInitializerList()) {
      if (read.contains(t.getName())) {
        graph.addInitializer(t);
      }
    }
    return model.toBuilder().setGraph(graph).build();
  }

  /** The cotangent of the features, spread as that of a spatial mean when they have h x w. */
  private String featureCotangent(Backward b, String cotangent) {
    int rank = values.get(FEATURES).rank();
    if (rank == 2) {
      return cotangent;
    }
    b.at(
        NodeProto.newBuilder().setOpType("Identity").setName(FEATURES).addOutput(FEATURES).build(),
        -1);
    long[] axes = new long[rank - 2];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 2;
    }
    String spread = b.op("Expand", b.op("Unsqueeze", cotangent, b.longs(axes)), b.shape(FEATURES));
    return b.op("Div", spread, b.countRatio(FEATURES, cotangent));
  }

  private long width(String output) {
    long[] shape = values.get(output).shape();
    if (output.equals(LOGITS) && shape.length != 2) {
      throw new NotDifferentiableException(
          "the logits have rank " + shape.length + ", expected (N, classes)");
    }
    return shape[1];
  }

  private ValueInfoProto inputInfo() {
    return graph.getInputList().stream()
        .filter(i -> i.getName().equals(INPUT))
        .findFirst()
        .orElseThrow();
  }

  private Object batchDimension() {
    return dimension(inputInfo().getType().getTensorType().getShape().getDim(0), "N");
  }

  private Object[] inputDimensions() {
    TensorShapeProto s = inputInfo().getType().getTensorType().getShape();
    String[] names = {"N", "C", "H", "W"};
    Object[] dims = new Object[s.getDimCount()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = dimension(s.getDim(i), names[Math.min(i, 3)]);
    }
    return dims;
  }

  private static Object dimension(TensorShapeProto.Dimension d, String fallback) {
    if (d.hasDimValue() && d.getDimValue() > 0) {
      return (int) d.getDimValue();
    }
    return d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam() : fallback;
  }
}
