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
 * are numbers or symbolic names.
 */
final class OnnxGraph {

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private int counter;

  OnnxGraph(String name) {
    graph.setName(name);
  }

  /** Adds a node; its single output gets a fresh name, which is returned. */
  String node(String op, String prefix, AttributeProto[] attributes, String... inputs) {
    String out = prefix + "/" + op + "_" + counter++;
    return nodeTo(out, op, attributes, inputs);
  }

  /** Adds a node with a given output name. */
  String nodeTo(String out, String op, AttributeProto[] attributes, String... inputs) {
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
  String[] nodeOutputs(
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

  String floats(String name, float[] values, long... dims) {
    ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return initializer(name, TensorProto.DataType.FLOAT_VALUE, buf.array(), dims);
  }

  String longs(String name, long... values) {
    ByteBuffer buf = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    return initializer(name, TensorProto.DataType.INT64_VALUE, buf.array(), values.length);
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
  void input(String name, Object... dims) {
    graph.addInput(valueInfo(name, dims));
  }

  /** A float output; each dimension is an Integer or a symbolic String. */
  void output(String name, Object... dims) {
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

  static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  static AttributeProto integer(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  static AttributeProto text(String name, String value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(value))
        .build();
  }

  static AttributeProto real(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  ModelProto model(long irVersion, long opset, String producer, String docString) {
    return ModelProto.newBuilder()
        .setIrVersion(irVersion)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setProducerName(producer)
        .setDocString(docString)
        .setGraph(graph)
        .build();
  }
}
