package org.mos.common.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reading ONNX models as protobuf messages: the model file itself (without external data), its
 * float constants (initializers and {@code Constant} nodes), and which node produces a tensor.
 */
public final class OnnxModels {

  /** Protobuf's default nesting and size limits are too small for large classifiers. */
  private static final int MAX_MESSAGE_BYTES = Integer.MAX_VALUE;

  private OnnxModels() {}

  /** Parses an ONNX model file; tensors stored as external data are not supported. */
  public static ModelProto read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      CodedInputStream coded = CodedInputStream.newInstance(in);
      coded.setSizeLimit(MAX_MESSAGE_BYTES);
      ModelProto model = ModelProto.parseFrom(coded);
      for (TensorProto t : model.getGraph().getInitializerList()) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
          throw new OnnxGraphException(
              file
                  + ": initializer "
                  + t.getName()
                  + " is stored as external data; save the model with its weights inside the"
                  + " .onnx file (onnx.save_model(m, path, save_as_external_data=False))");
        }
      }
      return model;
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new OnnxGraphException(file + " is not an ONNX model: " + e.getMessage(), e);
    }
  }

  /** The node producing each tensor of the graph, by tensor name. */
  public static Map<String, NodeProto> producers(GraphProto graph) {
    Map<String, NodeProto> producers = new HashMap<>();
    for (NodeProto n : graph.getNodeList()) {
      for (String out : n.getOutputList()) {
        producers.put(out, n);
      }
    }
    return producers;
  }

  /**
   * The float constant named {@code name}: an initializer or the value of a {@code Constant} node,
   * or empty when the tensor is computed (or not a float tensor).
   */
  public static Optional<FloatTensor> constant(GraphProto graph, String name) {
    for (TensorProto t : graph.getInitializerList()) {
      if (t.getName().equals(name)) {
        return floats(t);
      }
    }
    for (NodeProto n : graph.getNodeList()) {
      if (n.getOpType().equals("Constant")
          && n.getOutputCount() == 1
          && n.getOutput(0).equals(name)) {
        return n.getAttributeList().stream()
            .filter(a -> a.getName().equals("value") && a.hasT())
            .findFirst()
            .flatMap(a -> floats(a.getT()));
      }
    }
    return Optional.empty();
  }

  /** The values of a float32 tensor (raw little-endian data or float_data), or empty for others. */
  public static Optional<FloatTensor> floats(TensorProto t) {
    if (t.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
      return Optional.empty();
    }
    long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    long count = 1;
    for (long d : dims) {
      count *= d;
    }
    if (count > Integer.MAX_VALUE) {
      throw new OnnxGraphException("tensor " + t.getName() + " has " + count + " elements");
    }
    float[] values = new float[(int) count];
    if (!t.getRawData().isEmpty()) {
      if (t.getRawData().size() != count * Float.BYTES) {
        throw new OnnxGraphException(
            "tensor "
                + t.getName()
                + " holds "
                + t.getRawData().size()
                + " bytes of raw data for "
                + count
                + " floats");
      }
      ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      raw.asFloatBuffer().get(values);
    } else {
      if (t.getFloatDataCount() != count) {
        throw new OnnxGraphException(
            "tensor " + t.getName() + " holds " + t.getFloatDataCount() + " floats for " + count);
      }
      for (int i = 0; i < values.length; i++) {
        values[i] = t.getFloatData(i);
      }
    }
    return Optional.of(new FloatTensor(t.getName(), dims, values));
  }

  /**
   * A float tensor's name, dimensions and row-major values.
   *
   * @param name the tensor's name in the graph
   * @param dims its dimensions
   * @param values its values, row-major
   */
  public record FloatTensor(String name, long[] dims, float[] values) {}
}
