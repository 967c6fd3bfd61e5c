package org.mos.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mos.trainer.export.OnnxExporter;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.VjpExporter;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.export.autodiff.GradientGraphBuilder;
import org.mos.trainer.model.BitArchitecture;
import org.mos.trainer.model.ResNetV2;

/**
 * Where the time of the ODIN gradient graph goes (bench/odin.md), at batch 1.
 *
 * <pre>
 * java -cp ... org.mos.bench.OdinGraphProfile export ARCH DIR
 *     writes DIR/model.onnx and DIR/odin_gradient.onnx (VjpExporter) of a random-weight BiT
 *     ResNetV2, and DIR/odin_gradient_generic.onnx (GradientGraphBuilder, as import builds it)
 * java -cp ... org.mos.bench.OdinGraphProfile time SIZE THREADS ITERATIONS MODEL ODIN [ODIN ...]
 *     times the forward graph and each ODIN gradient graph, interleaved
 * java -cp ... org.mos.bench.OdinGraphProfile profile SIZE THREADS ITERATIONS GRAPH PREFIX [OPT]
 *     runs GRAPH under ONNX Runtime's profiler and sums the kernel time per op type and part
 * </pre>
 *
 * {@code time} reports wall-clock and thread CPU time (fastest and mean iteration): with one thread
 * ONNX Runtime runs every kernel on the calling thread, so CPU time leaves out the time the thread
 * waited for a core on a shared machine. {@code profile} classifies nodes as forward (before the
 * first {@code odin/} node, the cotangent), backward (from there on) or made by ONNX Runtime
 * (layout reorders); OPT makes ONNX Runtime write the graph as it runs it, after its graph
 * optimisations, to check what it folded and fused.
 */
public final class OdinGraphProfile {

  /** The generic {@link GradientGraphBuilder}'s ODIN graph of the same forward, for comparison. */
  static final String GENERIC_ODIN_FILE = "odin_gradient_generic.onnx";

  private OdinGraphProfile() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println(
          "usage: OdinGraphProfile export ARCH DIR | time SIZE THREADS ITERATIONS MODEL ODIN..."
              + " | profile SIZE THREADS ITERATIONS GRAPH PREFIX [OPTIMIZED]");
      System.exit(2);
    }
    switch (args[0]) {
      case "export" -> export(args[1], Path.of(args[2]));
      case "time" -> time(args);
      case "profile" -> profile(args);
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void export(String arch, Path dir) throws Exception {
    System.setProperty("ai.djl.offline", "true");
    ResNetV2Spec spec = ResNetV2Spec.parse(arch, 1000);
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 net =
          ResNetV2.builder()
              .setArchitecture(BitArchitecture.parse(arch))
              .setNumClasses(spec.numLogits())
              .build();
      net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      WeightMap weights = WeightMap.of(net);
      Files.createDirectories(dir);
      ModelProto forward = OnnxExporter.export(spec, weights);
      Files.write(dir.resolve("model.onnx"), forward.toByteArray());
      Files.write(
          dir.resolve(VjpExporter.ODIN_GRADIENT_FILE),
          VjpExporter.odinGradient(spec, weights).toByteArray());
      // the generic builder's graph for the same forward (what import writes for foreign graphs)
      GradientGraphBuilder.Result generic = GradientGraphBuilder.build(forward);
      Files.write(
          dir.resolve(GENERIC_ODIN_FILE),
          generic
              .odinGradient()
              .orElseThrow(() -> new IllegalStateException(generic.unsupported().orElse("")))
              .toByteArray());
    }
  }

  private static void time(String[] args) throws Exception {
    int size = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    int graphs = args.length - 4;
    OrtSession[] sessions = new OrtSession[graphs];
    double[][] t = new double[graphs][4]; // wall min, wall sum, cpu min, cpu sum
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        OnnxTensor in = input(env, size);
        OnnxTensor temperature = temperature(env)) {
      so.setIntraOpNumThreads(threads);
      for (int g = 0; g < graphs; g++) {
        sessions[g] = env.createSession(args[4 + g], so);
        t[g][0] = t[g][2] = Double.MAX_VALUE;
      }
      for (int i = -1; i < iterations; i++) { // i = -1: warm-up
        for (int g = 0; g < graphs; g++) {
          Map<String, OnnxTensor> feed =
              g == 0
                  ? Map.of(OnnxExporter.INPUT, in)
                  : Map.of(OnnxExporter.INPUT, in, VjpExporter.TEMPERATURE, temperature);
          long c = cpu.getCurrentThreadCpuTime();
          long w = System.nanoTime();
          run(sessions[g], feed);
          double wall = (System.nanoTime() - w) / 1e6;
          double used = (cpu.getCurrentThreadCpuTime() - c) / 1e6;
          if (i >= 0) {
            t[g][0] = Math.min(t[g][0], wall);
            t[g][1] += wall;
            t[g][2] = Math.min(t[g][2], used);
            t[g][3] += used;
          }
        }
      }
    } finally {
      for (OrtSession s : sessions) {
        if (s != null) {
          s.close();
        }
      }
    }
    System.out.printf(
        "size %d, threads %d, %d iterations (ms; ratio = (graph + forward) / forward, the cost"
            + " of ODIN's two runs against one forward)%n",
        size, threads, iterations);
    for (int g = 0; g < graphs; g++) {
      System.out.printf(
          "%-60s wall min %7.1f mean %7.1f | cpu min %7.1f mean %7.1f | ratio wall-min %.2f"
              + " cpu-min %.2f%n",
          args[4 + g],
          t[g][0],
          t[g][1] / iterations,
          t[g][2],
          t[g][3] / iterations,
          g == 0 ? 1 : (t[g][0] + t[0][0]) / t[0][0],
          g == 0 ? 1 : (t[g][2] + t[0][2]) / t[0][2]);
    }
  }

  private static void profile(String[] args) throws Exception {
    int size = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    ModelProto model = ModelProto.parseFrom(Files.readAllBytes(Path.of(args[4])));
    try (OrtSession.SessionOptions po = new OrtSession.SessionOptions()) {
      po.setIntraOpNumThreads(threads);
      po.enableProfiling(args[5]);
      if (args.length > 6) {
        po.setOptimizedModelFilePath(args[6]);
      }
      try (OrtSession p = env.createSession(args[4], po);
          OnnxTensor in = input(env, size);
          OnnxTensor t = temperature(env)) {
        Map<String, OnnxTensor> feed =
            p.getInputNames().size() == 1
                ? Map.of(OnnxExporter.INPUT, in)
                : Map.of(OnnxExporter.INPUT, in, VjpExporter.TEMPERATURE, t);
        for (int i = 0; i <= iterations; i++) {
          run(p, feed);
        }
        summarise(model, Path.of(p.endProfiling()));
      }
    }
  }

  private static OnnxTensor input(OrtEnvironment env, int size) throws Exception {
    float[] x = new float[3 * size * size];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) ((((long) i * 7919) % 1000) / 500.0 - 1.0);
    }
    return OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, 3, size, size});
  }

  private static OnnxTensor temperature(OrtEnvironment env) throws Exception {
    return OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1000f}), new long[] {1, 1});
  }

  private static void run(OrtSession s, Map<String, OnnxTensor> in) throws Exception {
    try (OrtSession.Result r = s.run(in)) {
      r.get(0);
    }
  }

  /**
   * Kernel time per op type and part: each node's fastest run (the least disturbed one on a shared
   * machine) over every run but the first (the warm-up), summed.
   */
  private static void summarise(ModelProto model, Path profile) throws Exception {
    Map<String, Integer> index = new HashMap<>();
    int firstBackward = Integer.MAX_VALUE;
    List<NodeProto> nodes = model.getGraph().getNodeList();
    for (int i = 0; i < nodes.size(); i++) {
      index.put(nodes.get(i).getName(), i);
      if (nodes.get(i).getName().startsWith("odin/")) {
        firstBackward = Math.min(firstBackward, i);
      }
    }
    JsonNode events = new ObjectMapper().readTree(profile.toFile());
    long firstRunEnd = Long.MAX_VALUE;
    int runs = 0;
    for (JsonNode e : events) {
      if ("model_run".equals(e.path("name").asText())) {
        firstRunEnd = Math.min(firstRunEnd, e.path("ts").asLong() + e.path("dur").asLong());
        runs++;
      }
    }
    Map<String, Double> fastest = new HashMap<>();
    Map<String, String> partOf = new HashMap<>();
    for (JsonNode e : events) {
      String name = e.path("name").asText();
      if (!"Node".equals(e.path("cat").asText())
          || !name.endsWith("_kernel_time")
          || e.path("ts").asLong() < firstRunEnd) {
        continue;
      }
      String node = name.substring(0, name.length() - "_kernel_time".length());
      String op = e.path("args").path("op_name").asText();
      Integer i = index.get(node.endsWith("_nchwc") ? node.substring(0, node.length() - 6) : node);
      String key = op + " " + node;
      fastest.merge(key, e.path("dur").asLong() / 1000.0, Math::min);
      partOf.put(key, i == null ? "made by ORT" : i < firstBackward ? "forward" : "backward");
    }
    Map<String, double[]> byType = new TreeMap<>();
    Map<String, Double> byPart = new TreeMap<>();
    fastest.forEach(
        (key, ms) -> {
          String type = partOf.get(key) + " " + key.substring(0, key.indexOf(' '));
          double[] t = byType.computeIfAbsent(type, k -> new double[2]);
          t[0] += ms;
          t[1]++;
          byPart.merge(partOf.get(key), ms, Double::sum);
        });
    System.out.printf(
        "profile %s: %d runs after the warm-up, each node's fastest (ms)%n", profile, runs - 1);
    byPart.forEach((k, v) -> System.out.printf("part %-22s %8.2f%n", k, v));
    System.out.printf(
        "part %-22s %8.2f%n", "total", byPart.values().stream().mapToDouble(d -> d).sum());
    byType.entrySet().stream()
        .sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
        .forEach(
            e ->
                System.out.printf(
                    "type %-40s %8.2f ms %4.0f nodes%n",
                    e.getKey(), e.getValue()[0], e.getValue()[1]));
    fastest.entrySet().stream()
        .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
        .limit(25)
        .forEach(e -> System.out.printf("node %-60s %8.2f%n", e.getKey(), e.getValue()));
  }
}
