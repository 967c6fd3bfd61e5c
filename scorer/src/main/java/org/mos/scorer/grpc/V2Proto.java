package org.mos.scorer.grpc;

import com.google.protobuf.ByteString;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.InferTensorContents;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mos.scorer.kserve.V2Datatype;
import org.mos.scorer.kserve.V2Inference;
import org.mos.scorer.kserve.V2Input;
import org.mos.scorer.kserve.V2Output;
import org.mos.scorer.kserve.V2Parameters;
import org.mos.scorer.kserve.V2Request;
import org.mos.scorer.service.ScoringProblem;

/**
 * The protobuf form of v2 inference requests and responses ({@code grpc_predict_v2.proto}): input
 * data in the typed {@code contents} or, for all inputs at once, in {@code raw_input_contents}
 * (little-endian, BYTES elements each preceded by a 4-byte length). A request with raw inputs is
 * answered with {@code raw_output_contents}, any other with typed contents.
 */
final class V2Proto {

  private V2Proto() {}

  /**
   * The request, decoded.
   *
   * @throws ScoringProblem 400 for anything the protocol does not allow, 413 over the budget
   */
  static V2Request parse(ModelInferRequest r, long budget) {
    int raw = r.getRawInputContentsCount();
    if (raw > 0 && raw != r.getInputsCount()) {
      throw ScoringProblem.badRequest(
          "the request has "
              + raw
              + " raw_input_contents for "
              + r.getInputsCount()
              + " inputs; with raw contents, every input needs one");
    }
    List<V2Input> inputs = new ArrayList<>();
    for (int i = 0; i < r.getInputsCount(); i++) {
      inputs.add(input(r.getInputs(i), raw > 0 ? r.getRawInputContents(i) : null, budget));
    }
    List<V2Request.RequestedOutput> outputs = new ArrayList<>();
    for (var o : r.getOutputsList()) {
      outputs.add(new V2Request.RequestedOutput(o.getName(), false));
    }
    return new V2Request(
        r.getModelName(),
        r.getModelVersion().isEmpty() ? null : r.getModelVersion(),
        r.getId().isEmpty() ? null : r.getId(),
        parameters(r.getParametersMap(), "the request"),
        inputs,
        outputs);
  }

  private static V2Input input(ModelInferRequest.InferInputTensor t, ByteString raw, long budget) {
    String name = t.getName();
    V2Datatype datatype = V2Datatype.parse(t.getDatatype(), name);
    long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
    long elements = V2Input.elementCount(name, shape, budget);
    V2Input.checkSupported(name, datatype);
    InferTensorContents c = t.getContents();
    int typed =
        c.getBoolContentsCount()
            + c.getIntContentsCount()
            + c.getInt64ContentsCount()
            + c.getUintContentsCount()
            + c.getUint64ContentsCount()
            + c.getFp32ContentsCount()
            + c.getFp64ContentsCount()
            + c.getBytesContentsCount();
    if (raw != null) {
      if (typed > 0) {
        throw ScoringProblem.badRequest(
            "input '" + name + "' has both contents and raw_input_contents; send one of them");
      }
      ByteBuffer data = raw.asReadOnlyByteBuffer();
      return datatype == V2Datatype.BYTES
          ? new V2Input(name, datatype, shape, null, V2Input.bytesFromBinary(name, elements, data))
          : new V2Input(
              name,
              datatype,
              shape,
              V2Input.floatsFromBinary(name, datatype, elements, data),
              null);
    }
    int matching =
        switch (datatype) {
          case FP32 -> c.getFp32ContentsCount();
          case FP64 -> c.getFp64ContentsCount();
          case BYTES -> c.getBytesContentsCount();
          default -> 0; // FP16 has no typed contents
        };
    String field =
        switch (datatype) {
          case FP32 -> "fp32_contents";
          case FP64 -> "fp64_contents";
          case BYTES -> "bytes_contents";
          default -> "raw_input_contents (FP16 has no typed contents)";
        };
    if (matching != typed || typed != elements) {
      throw ScoringProblem.badRequest(
          "input '"
              + name
              + "' of shape "
              + Arrays.toString(shape)
              + " needs "
              + elements
              + " values in "
              + field
              + "; it has "
              + matching
              + (typed != matching ? " (and " + (typed - matching) + " in other fields)" : ""));
    }
    if (datatype == V2Datatype.BYTES) {
      List<byte[]> bytes = new ArrayList<>(typed);
      c.getBytesContentsList().forEach(b -> bytes.add(b.toByteArray()));
      return new V2Input(name, datatype, shape, null, bytes);
    }
    float[] numbers = new float[typed];
    for (int i = 0; i < typed; i++) {
      numbers[i] =
          datatype == V2Datatype.FP32 ? c.getFp32Contents(i) : (float) c.getFp64Contents(i);
    }
    return new V2Input(name, datatype, shape, numbers, null);
  }

  private static V2Parameters parameters(Map<String, InferParameter> map, String where) {
    Map<String, Object> values = new HashMap<>();
    map.forEach(
        (k, p) -> {
          switch (p.getParameterChoiceCase()) {
            case BOOL_PARAM -> values.put(k, p.getBoolParam());
            case INT64_PARAM -> values.put(k, p.getInt64Param());
            case STRING_PARAM -> values.put(k, p.getStringParam());
            default ->
                throw ScoringProblem.badRequest(
                    "parameter '" + k + "' of " + where + " has no value");
          }
        });
    return new V2Parameters(values, where);
  }

  /** The response; raw output contents when the request sent raw input contents. */
  static ModelInferResponse write(V2Inference.Result result, boolean raw) {
    ModelInferResponse.Builder b =
        ModelInferResponse.newBuilder()
            .setModelName(result.model())
            .setModelVersion(result.version());
    if (result.id() != null) {
      b.setId(result.id());
    }
    for (V2Output o : result.outputs()) {
      var t =
          ModelInferResponse.InferOutputTensor.newBuilder()
              .setName(o.name())
              .setDatatype(o.datatype().name());
      for (long d : o.shape()) {
        t.addShape(d);
      }
      if (raw) {
        b.addRawOutputContents(ByteString.copyFrom(o.littleEndian()));
      } else {
        t.setContents(contents(o));
      }
      b.addOutputs(t);
    }
    return b.build();
  }

  private static InferTensorContents contents(V2Output o) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    switch (o.datatype()) {
      case FP32 -> {
        for (float v : (float[]) o.data()) {
          c.addFp32Contents(v);
        }
      }
      case INT64 -> {
        for (long v : (long[]) o.data()) {
          c.addInt64Contents(v);
        }
      }
      default -> {
        for (double v : (double[]) o.data()) {
          c.addFp64Contents(v);
        }
      }
    }
    return c.build();
  }
}
