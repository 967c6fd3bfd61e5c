package org.mos.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.mos.common.io.Npy;

/**
 * ONNX Runtime CPU throughput of an exported model (bench/export.md). The input is the same as
 * bench/python/onnx_ref.py's: x[i] = ((i * 7919) % 1000) / 500 - 1 in C order.
 *
 * <pre>
 * java -cp ... org.mos.bench.OnnxBench MODEL.onnx RUNS THREADS [REFERENCE_LOGITS.npy|-] [logits]
 *   RUNS = size:batch:iterations,...   e.g. 224:1:10,224:16:3
 * </pre>
 *
 * For every run it times a session asked only for {@code logits} and (unless the last argument is
 * {@code logits}) one asked for every output, reusing one direct input buffer. A run of one
 * iteration has no warm-up call (for the heaviest runs; the Python reference does the same). With a
 * reference, the first run's logits are compared.
 */
public final class OnnxBench {

  private OnnxBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: OnnxBench MODEL.onnx size:batch:iterations,... THREADS [REF.npy]");
      System.exit(2);
    }
    Path model = Path.of(args[0]);
    int threads = Integer.parseInt(args[2]);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      String profile = System.getProperty("ort.profile");
      if (profile != null) {
        // -Dort.profile=PREFIX writes ONNX Runtime's per-node trace (chrome://tracing JSON)
        options.enableProfiling(profile);
      }
      long start = System.nanoTime();
      try (OrtSession session = env.createSession(model.toString(), options)) {
        System.out.printf("# session created in %.1f s%n", (System.nanoTime() - start) / 1e9);
        System.out.println(
            "size,batch,iterations,threads,outputs,mean_ms_per_batch,min_ms_per_batch,"
                + "images_per_s_at_min");
        String[] runs = args[1].split(",");
        for (int k = 0; k < runs.length; k++) {
          String[] p = runs[k].split(":");
          int size = Integer.parseInt(p[0]);
          int batch = Integer.parseInt(p[1]);
          int iterations = Integer.parseInt(p[2]);
          float[] logits = time(env, session, size, batch, iterations, threads, Set.of("logits"));
          if (!(args.length > 4 && args[4].equals("logits"))) {
            time(env, session, size, batch, iterations, threads, session.getOutputNames());
          }
          if (k == 0 && args.length > 3 && !args[3].equals("-")) {
            compare(logits, Npy.read(Path.of(args[3])).toFloats());
          }
        }
      }
    }
  }

  private static float[] time(
      OrtEnvironment env,
      OrtSession session,
      int size,
      int batch,
      int iterations,
      int threads,
      Set<String> outputs)
      throws OrtException {
    int n = batch * 3 * size * size;
    FloatBuffer input =
        ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (long i = 0; i < n; i++) {
      input.put((float) (((i * 7919) % 1000) / 500.0 - 1.0));
    }
    input.rewind();
    float[] logits = null;
    try (OnnxTensor x = OnnxTensor.createTensor(env, input, new long[] {batch, 3, size, size})) {
      Map<String, OnnxTensor> feed = new LinkedHashMap<>();
      feed.put("input", x);
      if (iterations > 1) {
        try (OrtSession.Result warm = session.run(feed, outputs)) {
          if (outputs.contains("logits")) {
            FloatBuffer b = ((OnnxTensor) warm.get("logits").orElseThrow()).getFloatBuffer();
            logits = new float[b.remaining()];
            b.get(logits);
          }
        }
      }
      double total = 0;
      double best = Double.MAX_VALUE;
      for (int i = 0; i < iterations; i++) {
        long start = System.nanoTime();
        try (OrtSession.Result r = session.run(feed, outputs)) {
          r.size();
        }
        double ms = (System.nanoTime() - start) / 1e6;
        total += ms;
        // the machine is shared: the fastest iteration is the least disturbed one
        best = Math.min(best, ms);
      }
      System.out.printf(
          "%d,%d,%d,%d,%s,%.1f,%.1f,%.2f%n",
          size,
          batch,
          iterations,
          threads,
          outputs.size() == 1 ? "logits" : "all",
          total / iterations,
          best,
          batch * 1000 / best);
    }
    return logits;
  }

  private static void compare(float[] got, float[] want) throws IOException {
    if (got.length != want.length) {
      throw new IOException("logits: " + got.length + " values, reference " + want.length);
    }
    double worst = 0;
    for (int i = 0; i < got.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
    System.out.printf("# logits vs PyTorch eager: max |diff| %.2g%n", worst);
  }
}
