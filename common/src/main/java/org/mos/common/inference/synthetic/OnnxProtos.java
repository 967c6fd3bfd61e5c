package org.mos.common.inference.synthetic;

import ai.onnx.proto.OnnxMl;
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
}
