package org.mos.scorer.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 * The JSON form of v2 inference requests and responses, with the binary tensor data extension: when
 * {@code Inference-Header-Content-Length} is given, the JSON is that many bytes at the start of the
 * body and the binary data of the inputs with a {@code binary_data_size} parameter follows, in
 * input order. BYTES elements in JSON are base64 strings (each an encoded image).
 */
final class V2Json {

  /** The header naming the JSON part's length in a body with binary tensor data. */
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  // strict: one JSON value, no duplicate keys; NaN and Infinity are read so that they can be
  // refused with a message that names the value
  private static final JsonMapper STRICT =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final JsonMapper WRITER = JsonMapper.builder().build();

  private V2Json() {}

  /**
   * An inference request from a body.
   *
   * @param headerLength the {@code Inference-Header-Content-Length} header, or null
   * @param budget the most elements an input may declare
   * @throws ScoringProblem 400 for anything the protocol does not allow, 413 over the budget
   */
  static V2Request parse(
      String model, String version, byte[] body, String headerLength, long budget) {
    int jsonLength = jsonLength(body, headerLength);
    JsonNode root;
    try {
      root = STRICT.readTree(body, 0, jsonLength);
    } catch (JsonProcessingException e) {
      throw ScoringProblem.badRequest(
          "the inference request is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || !root.isObject()) {
      throw ScoringProblem.badRequest("the inference request must be a JSON object");
    }
    JsonNode id = root.get("id");
    if (id != null && !id.isTextual()) {
      throw ScoringProblem.badRequest("\"id\" is " + id + "; expected a string");
    }
    V2Parameters parameters = parameters(root.get("parameters"), "the request");
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
      throw ScoringProblem.badRequest(
          "the inference request needs \"inputs\", a non-empty array of tensors");
    }
    ByteBuffer binary = ByteBuffer.wrap(body, jsonLength, body.length - jsonLength).slice();
    List<V2Input> decoded = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      decoded.add(input(inputs.get(i), i, binary, headerLength != null, budget));
    }
    if (binary.hasRemaining()) {
      throw ScoringProblem.badRequest(
          "the body has "
              + binary.remaining()
              + " bytes after the JSON and the binary data of the inputs' binary_data_size"
              + " parameters");
    }
    boolean binaryDefault = parameters.bool("binary_data_output", false);
    List<V2Request.RequestedOutput> outputs = new ArrayList<>();
    JsonNode wanted = root.get("outputs");
    if (wanted != null) {
      if (!wanted.isArray()) {
        throw ScoringProblem.badRequest("\"outputs\" is " + wanted + "; expected an array");
      }
      for (JsonNode o : wanted) {
        JsonNode name = o.get("name");
        if (!o.isObject() || name == null || !name.isTextual()) {
          throw ScoringProblem.badRequest(
              "output " + o + " needs a \"name\" string (and optional \"parameters\")");
        }
        V2Parameters p = parameters(o.get("parameters"), "output '" + name.asText() + "'");
        outputs.add(
            new V2Request.RequestedOutput(name.asText(), p.bool("binary_data", binaryDefault)));
      }
    }
    return new V2Request(
        model, version, id == null ? null : id.asText(), parameters, decoded, outputs);
  }

  private static int jsonLength(byte[] body, String header) {
    if (header == null) {
      return body.length;
    }
    try {
      long n = Long.parseLong(header.strip());
      if (n >= 0 && n <= body.length) {
        return (int) n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ScoringProblem.badRequest(
        HEADER_LENGTH
            + " is '"
            + header
            + "'; expected the length of the JSON part, 0 to "
            + body.length
            + " (the body's length)");
  }

  private static V2Input input(
      JsonNode node, int index, ByteBuffer binary, boolean hasBinary, long budget) {
    JsonNode nameNode = node.get("name");
    if (!node.isObject() || nameNode == null || !nameNode.isTextual()) {
      throw ScoringProblem.badRequest("input " + index + " needs a \"name\" string");
    }
    String name = nameNode.asText();
    JsonNode datatypeNode = node.get("datatype");
    if (datatypeNode == null || !datatypeNode.isTextual()) {
      throw ScoringProblem.badRequest(
          "input '" + name + "' needs a \"datatype\" string, e.g. \"FP32\" or \"BYTES\"");
    }
    V2Datatype datatype = V2Datatype.parse(datatypeNode.asText(), name);
    long[] shape = shape(node.get("shape"), name);
    long elements = V2Input.elementCount(name, shape, budget);
    V2Input.checkSupported(name, datatype);
    V2Parameters p = parameters(node.get("parameters"), "input '" + name + "'");
    Long binarySize = p.count("binary_data_size");
    JsonNode data = node.get("data");
    if (binarySize != null) {
      if (data != null) {
        throw ScoringProblem.badRequest(
            "input '" + name + "' has both \"data\" and a binary_data_size parameter");
      }
      if (!hasBinary) {
        throw ScoringProblem.badRequest(
            "input '"
                + name
                + "' has a binary_data_size parameter but the request has no "
                + HEADER_LENGTH
                + " header");
      }
      if (binarySize > binary.remaining()) {
        throw ScoringProblem.badRequest(
            "input '"
                + name
                + "' declares binary_data_size "
                + binarySize
                + " but only "
                + binary.remaining()
                + " bytes of binary data remain");
      }
      ByteBuffer chunk = binary.slice().limit(binarySize.intValue());
      binary.position(binary.position() + binarySize.intValue());
      return datatype == V2Datatype.BYTES
          ? new V2Input(name, datatype, shape, null, V2Input.bytesFromBinary(name, elements, chunk))
          : new V2Input(
              name,
              datatype,
              shape,
              V2Input.floatsFromBinary(name, datatype, elements, chunk),
              null);
    }
    if (data == null || !data.isArray()) {
      throw ScoringProblem.badRequest(
          "input '"
              + name
              + "' needs \"data\", an array in row-major order (or a binary_data_size parameter"
              + " and the data after the JSON)");
    }
    return datatype == V2Datatype.BYTES
        ? new V2Input(name, datatype, shape, null, bytes(data, name, elements))
        : new V2Input(name, datatype, shape, floats(data, name, elements), null);
  }

  private static long[] shape(JsonNode node, String name) {
    if (node == null || !node.isArray()) {
      throw ScoringProblem.badRequest(
          "input '" + name + "' needs \"shape\", an array of non-negative integers");
    }
    long[] shape = new long[node.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = node.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
        throw ScoringProblem.badRequest(
            "input '"
                + name
                + "' has shape "
                + node
                + "; shape entries must be non-negative integers (entry "
                + i
                + " is "
                + d
                + ")");
      }
      shape[i] = d.asLong();
    }
    return shape;
  }

  private static float[] floats(JsonNode data, String name, long elements) {
    float[] out = new float[(int) elements];
    int[] at = {0};
    flatten(
        data,
        name,
        leaf -> {
          if (!leaf.isNumber()) {
            throw ScoringProblem.badRequest(
                "input '" + name + "' value " + at[0] + " is " + leaf + ", not a number");
          }
          if (at[0] >= out.length) {
            throw countMismatch(name, at[0] + 1, elements, true);
          }
          out[at[0]++] = (float) leaf.asDouble();
        });
    if (at[0] != elements) {
      throw countMismatch(name, at[0], elements, false);
    }
    return out;
  }

  private static List<byte[]> bytes(JsonNode data, String name, long elements) {
    List<byte[]> out = new ArrayList<>();
    flatten(
        data,
        name,
        leaf -> {
          if (!leaf.isTextual()) {
            throw ScoringProblem.badRequest(
                "element "
                    + out.size()
                    + " of BYTES input '"
                    + name
                    + "' is "
                    + leaf
                    + "; expected a base64 string (an encoded image)");
          }
          if (out.size() >= elements) {
            throw countMismatch(name, out.size() + 1, elements, true);
          }
          try {
            out.add(Base64.getDecoder().decode(leaf.asText()));
          } catch (IllegalArgumentException e) {
            throw ScoringProblem.badRequest(
                "element "
                    + out.size()
                    + " of BYTES input '"
                    + name
                    + "' is not base64: "
                    + e.getMessage());
          }
        });
    if (out.size() != elements) {
      throw countMismatch(name, out.size(), elements, false);
    }
    return out;
  }

  private static ScoringProblem countMismatch(String name, long seen, long n, boolean more) {
    return ScoringProblem.badRequest(
        "input '"
            + name
            + "' data has "
            + (more ? "more than " + (seen - 1) : String.valueOf(seen))
            + " values but its shape needs "
            + n);
  }

  private static void flatten(
      JsonNode node, String name, java.util.function.Consumer<JsonNode> leaf) {
    if (node.isArray()) {
      for (JsonNode child : node) {
        flatten(child, name, leaf);
      }
    } else {
      leaf.accept(node);
    }
  }

  private static V2Parameters parameters(JsonNode node, String where) {
    if (node == null) {
      return V2Parameters.none(where);
    }
    if (!node.isObject()) {
      throw ScoringProblem.badRequest(
          "\"parameters\" of " + where + " is " + node + "; expected an object");
    }
    Map<String, Object> values = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      Object value;
      if (v.isBoolean()) {
        value = v.asBoolean();
      } else if (v.isIntegralNumber() && v.canConvertToLong()) {
        value = v.asLong();
      } else if (v.isNumber()) {
        value = v.asDouble();
      } else if (v.isTextual()) {
        value = v.asText();
      } else {
        throw ScoringProblem.badRequest(
            "parameter '"
                + e.getKey()
                + "' of "
                + where
                + " is "
                + v
                + "; parameters are strings, numbers or booleans");
      }
      values.put(e.getKey(), value);
    }
    return new V2Parameters(values, where);
  }

  /** A response body: the JSON, then the binary data of the outputs sent as binary. */
  record Body(byte[] bytes, int jsonLength, boolean binary) {}

  /** The body answering {@code request} with {@code result}. */
  static Body write(V2Request request, V2Inference.Result result) {
    boolean binaryDefault = request.parameters().bool("binary_data_output", false);
    Map<String, Boolean> binaryByName = new HashMap<>();
    request.outputs().forEach(o -> binaryByName.put(o.name(), o.binary()));
    ByteArrayOutputStream tail = new ByteArrayOutputStream();
    List<Map<String, Object>> outputs = new ArrayList<>();
    for (V2Output o : result.outputs()) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("name", o.name());
      t.put("datatype", o.datatype().name());
      t.put("shape", o.shape());
      if (binaryByName.getOrDefault(o.name(), binaryDefault)) {
        byte[] raw = o.littleEndian();
        t.put("parameters", Map.of("binary_data_size", raw.length));
        tail.writeBytes(raw);
      } else {
        t.put("data", o.data());
      }
      outputs.add(t);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model_name", result.model());
    body.put("model_version", result.version());
    if (result.id() != null) {
      body.put("id", result.id());
    }
    body.put("outputs", outputs);
    byte[] json;
    try {
      json = WRITER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the inference response", e);
    }
    if (tail.size() == 0) {
      return new Body(json, json.length, false);
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream(json.length + tail.size());
    all.writeBytes(json);
    all.writeBytes(tail.toByteArray());
    return new Body(all.toByteArray(), json.length, true);
  }
}
