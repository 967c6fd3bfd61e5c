package org.mos.trainer.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Runs an ONNX graph in ONNX Runtime (CPU, one thread) and returns the requested outputs. */
public final class OrtRunner implements AutoCloseable {

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  public OrtRunner(byte[] model) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      session = env.createSession(model, options);
    }
  }

  public OrtRunner(java.nio.file.Path model) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      session = env.createSession(model.toString(), options);
    }
  }

  /** The outputs {@code names} for an (N, 3, size, size) input, each flattened in C order. */
  public Map<String, float[]> run(float[] input, int batch, int size, Set<String> names)
      throws OrtException {
    long[] shape = {batch, 3, size, size};
    Map<String, float[]> out = new LinkedHashMap<>();
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
        OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, x), names)) {
      for (String name : names) {
        OnnxTensor t = (OnnxTensor) result.get(name).orElseThrow();
        FloatBuffer b = t.getFloatBuffer();
        float[] values = new float[b.remaining()];
        b.get(values);
        out.put(name, values);
      }
    }
    return out;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
