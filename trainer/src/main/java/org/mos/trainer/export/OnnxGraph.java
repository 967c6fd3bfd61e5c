package org.mos.trainer.export;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A small builder over the ONNX protobuf classes: nodes with generated output names, float and
 * int64 initialisers stored as little-endian raw data, graph inputs and outputs whose dimensions
 * are numbers or symbolic names. The one ONNX graph builder of the trainer: {@link OnnxExporter}
 * and {@link VjpExporter} write BiT graphs with it, and {@code export.autodiff} extends imported
 * graphs ({@link #extending}) with their backward.
 */
public final class OnnxGraph {

  private final GraphProto.Builder graph;
  private int counter;

  OnnxGraph(String name) {
    graph = GraphProto.newBuilder().setName(name);
  }

  private OnnxGraph(GraphProto.Builder graph) {
    this.graph = graph;
  }

  /** A builder that starts from every node, initialiser, input and output of {@code base}. */
  public static OnnxGraph extending(GraphProto base) {
    return new OnnxGraph(base.toBuilder());
  }

  /** Adds a node; its single output gets a fresh name, which is returned. */
  public String node(String op, String prefix, AttributeProto[] attributes, String... inputs) {
    String out = prefix + "/" + op + "_" + counter++;
    return nodeTo(out, op, attributes, inputs);
  }

  /** Adds a node with a given output name. */
  public String nodeTo(String out, String op, AttributeProto[] attributes, String... inputs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out).addOutput(out);
    for (String in : inputs) {
      n.addInput(in);
    }
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return out;
  }

  /** Adds a node with several outputs, each with a fresh name; returns them in order. */
  public String[] nodeOutputs(
      String op, String prefix, AttributeProto[] attributes, int outputs, String... inputs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op);
    String[] names = new String[outputs];
    for (int i = 0; i < outputs; i++) {
      names[i] = prefix + "/" + op + "_" + counter++;
      n.addOutput(names[i]);
    }
    n.setName(names[0]);
    for (String in : inputs) {
      n.addInput(in);
    }
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return names;
  }

  public String floats(String name, float[] values, long... dims) {
    ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return initializer(name, TensorProto.DataType.FLOAT_VALUE, buf.array(), dims);
  }

  public String longs(String name, long... values) {
    return longsShaped(name, values, values.length);
  }

  /** An int64 initialiser of shape {@code dims} (none: a scalar). */
  public String longsShaped(String name, long[] values, long... dims) {
    ByteBuffer buf = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    return initializer(name, TensorProto.DataType.INT64_VALUE, buf.array(), dims);
  }

  /** A one-element tensor attribute, as ConstantOfShape's {@code value} takes it. */
  public static AttributeProto scalarTensor(String name, float value) {
    ByteBuffer buf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
    return tensorAttribute(name, TensorProto.DataType.FLOAT_VALUE, buf.array());
  }

  /** A one-element int64 tensor attribute, as ConstantOfShape's {@code value} takes it. */
  public static AttributeProto scalarTensor(String name, long value) {
    ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
    return tensorAttribute(name, TensorProto.DataType.INT64_VALUE, buf.array());
  }

  private static AttributeProto tensorAttribute(String name, int type, byte[] raw) {
    TensorProto t =
        TensorProto.newBuilder()
            .setDataType(type)
            .addDims(1)
            .setRawData(ByteString.copyFrom(raw))
            .build();
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.TENSOR)
        .setT(t)
        .build();
  }

  private String initializer(String name, int type, byte[] raw, long... dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
    for (long d : dims) {
      t.addDims(d);
    }
    t.setRawData(ByteString.copyFrom(raw));
    graph.addInitializer(t);
    return name;
  }

  /** A float input; each dimension is an Integer or a symbolic String. */
  public void input(String name, Object... dims) {
    graph.addInput(valueInfo(name, dims));
  }

  /** A float output; each dimension is an Integer or a symbolic String. */
  public void output(String name, Object... dims) {
    graph.addOutput(valueInfo(name, dims));
  }

  private static ValueInfoProto valueInfo(String name, Object... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof Integer i) {
        dim.setDimValue(i);
      } else {
        dim.setDimParam((String) d);
      }
      shape.addDim(dim);
    }
    TypeProto.Tensor.Builder tensor =
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape);
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(TypeProto.newBuilder().setTensorType(tensor))
        .build();
  }

  public static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  public static AttributeProto integer(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  public static AttributeProto text(String name, String value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(value))
        .build();
  }

  public static AttributeProto real(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  /**
   * A model of this graph with {@code base}'s metadata and opset imports, the default domain's
   * opset raised to at least {@code opset} and the IR version to at least {@code irVersion}.
   */
  public ModelProto modelLike(ModelProto base, long irVersion, long opset, String docString) {
    ModelProto.Builder m = base.toBuilder().clearGraph().clearOpsetImport();
    m.setIrVersion(Math.max(irVersion, base.getIrVersion())).setDocString(docString);
    boolean found = false;
    for (OperatorSetIdProto o : base.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        found = true;
        m.addOpsetImport(o.toBuilder().setVersion(Math.max(opset, o.getVersion())));
      } else {
        m.addOpsetImport(o);
      }
    }
    if (!found) {
      m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
    }
    return m.setGraph(graph).build();
  }

  public ModelProto model(long irVersion, long opset, String producer, String docString) {
    return ModelProto.newBuilder()
        .setIrVersion(irVersion)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setProducerName(producer)
        .setDocString(docString)
        .setGraph(graph)
        .build();
  }
}
