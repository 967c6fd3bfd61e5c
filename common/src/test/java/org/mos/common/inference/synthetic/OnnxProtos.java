package org.mos.common.inference.synthetic;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.List;

/**
 * Small builders of ONNX protobuf pieces for hand-written test graphs ({@link SyntheticBundle} and
 * the tests' own tiny bundles): float initializers and float graph inputs/outputs with a symbolic
 * batch dimension.
 */
public final class OnnxProtos {

  private OnnxProtos() {}

  /** A float tensor (an initializer) of the given shape, values in row-major order. */
  public static OnnxMl.TensorProto floats(String name, List<Float> values, int... dims) {
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .addAllFloatData(values);
    for (int d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  /** A (rows, columns) float matrix initializer. */
  public static OnnxMl.TensorProto floats(String name, float[][] matrix) {
    List<Float> values = new ArrayList<>();
    for (float[] row : matrix) {
      for (float v : row) {
        values.add(v);
      }
    }
    return floats(name, values, matrix.length, matrix.length == 0 ? 0 : matrix[0].length);
  }

  /** A 1-D float initializer. */
  public static OnnxMl.TensorProto floats(String name, float[] vector) {
    List<Float> values = new ArrayList<>();
    for (float v : vector) {
      values.add(v);
    }
    return floats(name, values, vector.length);
  }

  /** The {@code transB = 1} attribute of a Gemm that multiplies by the transposed weight. */
  public static OnnxMl.AttributeProto transposeB() {
    return OnnxMl.AttributeProto.newBuilder()
        .setName("transB")
        .setType(OnnxMl.AttributeProto.AttributeType.INT)
        .setI(1)
        .build();
  }

  /** A float graph input or output of shape ({@code batchDim}, dims...). */
  public static OnnxMl.ValueInfoProto floatValue(String name, String batchDim, int... dims) {
    OnnxMl.TensorShapeProto.Builder shape =
        OnnxMl.TensorShapeProto.newBuilder()
            .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(batchDim));
    for (int d : dims) {
      shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }

  /** A 1-D int64 initializer, e.g. the axes of an Unsqueeze. */
  public static OnnxMl.TensorProto int64s(String name, long... values) {
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
            .addDims(values.length);
    for (long v : values) {
      t.addInt64Data(v);
    }
    return t.build();
  }

  /** The {@code to = FLOAT} attribute of a Cast, e.g. of a boolean mask. */
  public static OnnxMl.AttributeProto castToFloat() {
    return OnnxMl.AttributeProto.newBuilder()
        .setName("to")
        .setType(OnnxMl.AttributeProto.AttributeType.INT)
        .setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
        .build();
  }

  /** A model of {@code graph} in IR version 8, default opset 17, which ONNX Runtime runs. */
  public static OnnxMl.ModelProto model(String producer, OnnxMl.GraphProto graph) {
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName(producer)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .setGraph(graph)
        .build();
  }
}
