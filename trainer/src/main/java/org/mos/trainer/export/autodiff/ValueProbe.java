package org.mos.trainer.export.autodiff;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The element type and shape of every value of a forward graph, from one run in ONNX Runtime on a
 * probe input (batch 1, the declared image size or 224). Java has no ONNX shape inference; the
 * builder needs ranks (to write transposes and einsums), which values are float (only those carry
 * gradients) and the widths of the logits and features. Sizes other than ranks are used only where
 * they cannot depend on the input's size (constants, the class count).
 */
final class ValueProbe {

  /** What the probe saw of one value. */
  record Value(boolean isFloat, long[] shape) {
    int rank() {
      return shape.length;
    }
  }

  private static final long DEFAULT_SIDE = 224;

  private ValueProbe() {}

  /**
   * Runs {@code forward} once with every node output as a graph output.
   *
   * @throws NotDifferentiableException when ONNX Runtime cannot load or run the graph
   */
  static Map<String, Value> run(ModelProto forward, String inputName) {
    GraphProto g = forward.getGraph();
    Set<String> names = new LinkedHashSet<>();
    g.getOutputList().forEach(o -> names.add(o.getName()));
    GraphProto.Builder probe = g.toBuilder();
    for (NodeProto n : g.getNodeList()) {
      for (String out : n.getOutputList()) {
        if (!out.isEmpty() && names.add(out)) {
          // no type: ONNX Runtime infers it
          probe.addOutput(ValueInfoProto.newBuilder().setName(out));
        }
      }
    }
    long[] shape = probeShape(g, inputName);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, Value> values = new HashMap<>();
    byte[] model = forward.toBuilder().setGraph(probe).build().toByteArray();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      try (OrtSession session = env.createSession(model, options)) {
        float[] x = new float[(int) product(shape)];
        for (int i = 0; i < x.length; i++) {
          // deterministic, varied values: no ties that would make a probe special
          x[i] = (float) Math.sin(0.37 * i + 0.1);
        }
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
            OrtSession.Result result = session.run(Map.of(inputName, input), names)) {
          for (Map.Entry<String, OnnxValue> e : result) {
            if (e.getValue().getInfo() instanceof TensorInfo t) {
              boolean real = t.type == ai.onnxruntime.OnnxJavaType.FLOAT;
              values.put(e.getKey(), new Value(real, t.getShape()));
            }
          }
        }
      }
    } catch (OrtException e) {
      throw new NotDifferentiableException(
          "ONNX Runtime could not run the forward graph on a probe input of shape "
              + java.util.Arrays.toString(shape)
              + ": "
              + e.getMessage());
    }
    for (TensorProto t : g.getInitializerList()) {
      long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
      values.put(t.getName(), new Value(t.getDataType() == TensorProto.DataType.FLOAT_VALUE, dims));
    }
    values.put(inputName, new Value(true, shape));
    return values;
  }

  private static long[] probeShape(GraphProto g, String inputName) {
    for (ValueInfoProto in : g.getInputList()) {
      if (!in.getName().equals(inputName)) {
        continue;
      }
      TensorShapeProto s = in.getType().getTensorType().getShape();
      long[] shape = new long[s.getDimCount()];
      for (int i = 0; i < shape.length; i++) {
        long d = s.getDim(i).getDimValue();
        shape[i] = d > 0 ? d : i == 0 ? 1 : DEFAULT_SIDE;
      }
      if (shape.length != 4) {
        throw new NotDifferentiableException(
            "the input '" + inputName + "' has rank " + shape.length + ", expected (N, 3, H, W)");
      }
      return shape;
    }
    throw new NotDifferentiableException("the graph has no input named '" + inputName + "'");
  }

  private static long product(long[] shape) {
    long p = 1;
    for (long d : shape) {
      p *= d;
    }
    return p;
  }
}
