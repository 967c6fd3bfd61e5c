package org.mos.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.Device;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.io.Npy;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.OdinScore;
import org.mos.common.score.OdinSettings;

/**
 * Cost of ODIN with input perturbation against forward-only scoring, same bundle, same batch
 * (bench/odin.md). The input is bench/python/onnx_ref.py's: x[i] = ((i * 7919) % 1000) / 500 - 1.
 *
 * <pre>
 * java -cp ... org.mos.bench.OdinBench BUNDLE batch:iterations,... THREADS EPS T [REF_SCORES.npy]
 * </pre>
 *
 * Per run it times (fastest and mean iteration): {@code forward} = BundleModel.run for logits;
 * {@code odin} = BundleScorer.score (ODIN with epsilon above 0), which runs the bundle's ODIN
 * gradient graph (forward, cotangent and backward in one pass) and a forward of the perturbed
 * batch, plus scoring; {@code vjp} = the same through the generic graph: forward, cotangent in
 * Java, vjp_logits (which recomputes the forward), forward of the perturbed batch. The last columns
 * give the fastest iteration's thread CPU time (meaningful at THREADS = 1) and the ratios by it.
 * With a reference, the first run's ODIN scores of both paths are compared with
 * bench/python/odin_ref.py's.
 */
public final class OdinBench {

  private OdinBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: OdinBench BUNDLE batch:iterations,... THREADS EPS T [REF.npy]");
      System.exit(2);
    }
    int threads = Integer.parseInt(args[2]);
    OdinSettings odin = new OdinSettings(Double.parseDouble(args[3]), Double.parseDouble(args[4]));
    try (ModelBundle bundle = ModelBundle.open(Path.of(args[0]));
        BundleModel model =
            BundleModel.open(bundle, new InferenceOptions(Device.CPU, false, threads))) {
      BundleScorer scorer = BundleScorer.of(bundle);
      ScoreRequest request = new ScoreRequest(List.of("odin"), 0.95, 0, false, false, odin);
      System.out.println(
          "size,batch,iterations,threads,forward_min_ms,forward_mean_ms,odin_min_ms,odin_mean_ms,"
              + "vjp_min_ms,vjp_mean_ms,odin_ratio_at_min,vjp_ratio_at_min,"
              + "forward_cpu_min_ms,odin_cpu_min_ms,vjp_cpu_min_ms,odin_cpu_ratio,vjp_cpu_ratio");
      String[] runs = args[1].split(",");
      for (int k = 0; k < runs.length; k++) {
        String[] p = runs[k].split(":");
        int batch = Integer.parseInt(p[0]);
        int iterations = Integer.parseInt(p[1]);
        int size = model.inputSize();
        InputBatch in = input(model, batch, size);
        Supplier<double[]> forward =
            () -> scores(model.run(in, batch, List.of(BundleModel.LOGITS)), odin);
        Supplier<double[]> graph =
            () ->
                scorer.score(model, in, batch, request).images().stream()
                    .mapToDouble(r -> r.scores().get("odin"))
                    .toArray();
        Supplier<double[]> vjp = () -> viaVjp(model, in, batch, odin);
        if (iterations > 1) { // warm-up (and lazy session creation); one iteration has none
          forward.get();
          graph.get();
          vjp.get();
        }
        double[] f = time(forward, iterations);
        double[] o = time(graph, iterations);
        double[] v = time(vjp, iterations);
        System.out.printf(
            "%d,%d,%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.2f,%.2f,%.1f,%.1f,%.1f,%.2f,%.2f%n",
            size,
            batch,
            iterations,
            threads,
            f[0],
            f[1],
            o[0],
            o[1],
            v[0],
            v[1],
            o[0] / f[0],
            v[0] / f[0],
            f[2],
            o[2],
            v[2],
            o[2] / f[2],
            v[2] / f[2]);
        if (k == 0 && args.length > 5) {
          float[] ref = Npy.read(Path.of(args[5])).toFloats();
          compare("odin graph", graph.get(), ref);
          compare("vjp graph", vjp.get(), ref);
        }
      }
    }
  }

  /** Forward, cotangent here, vjp_logits, perturbation, forward: the generic path. */
  private static double[] viaVjp(BundleModel model, InputBatch in, int batch, OdinSettings o) {
    FloatMatrix logits = model.run(in, batch, List.of(BundleModel.LOGITS)).get(BundleModel.LOGITS);
    int cols = logits.cols();
    float[] cotangent = new float[batch * cols];
    for (int r = 0; r < batch; r++) {
      System.arraycopy(o.cotangent(logits.row(r)), 0, cotangent, r * cols, cols);
    }
    float[] gradient = model.inputGradient(in, batch, cotangent);
    int per = gradient.length / batch;
    float[] x = benchInput(batch * per);
    InputBatch perturbed = model.newInputBatch(batch);
    for (int r = 0; r < batch; r++) {
      float[] chw = new float[per];
      for (int i = 0; i < per; i++) {
        chw[i] = o.perturb(x[r * per + i], gradient[r * per + i]);
      }
      perturbed.put(r, chw);
    }
    return scores(model.run(perturbed, batch, List.of(BundleModel.LOGITS)), o);
  }

  private static double[] scores(Map<String, FloatMatrix> out, OdinSettings o) {
    return new OdinScore(o.temperature()).score(out.get(BundleModel.LOGITS));
  }

  private static InputBatch input(BundleModel model, int batch, int size) {
    int per = 3 * size * size;
    float[] x = benchInput(batch * per);
    InputBatch in = model.newInputBatch(batch);
    for (int r = 0; r < batch; r++) {
      in.put(r, java.util.Arrays.copyOfRange(x, r * per, (r + 1) * per));
    }
    return in;
  }

  private static float[] benchInput(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) ((((long) i * 7919) % 1000) / 500.0 - 1.0);
    }
    return x;
  }

  /**
   * {fastest, mean, fastest thread CPU time} milliseconds. With one intra-op thread ONNX Runtime
   * runs every kernel on the calling thread, so its CPU time leaves out the time the thread waited
   * for a core on a shared machine.
   */
  private static double[] time(Supplier<double[]> work, int iterations) {
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    double best = Double.MAX_VALUE;
    double bestCpu = Double.MAX_VALUE;
    double sum = 0;
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      long startCpu = cpu.getCurrentThreadCpuTime();
      work.get();
      double ms = (System.nanoTime() - start) / 1e6;
      bestCpu = Math.min(bestCpu, (cpu.getCurrentThreadCpuTime() - startCpu) / 1e6);
      best = Math.min(best, ms);
      sum += ms;
    }
    return new double[] {best, sum / iterations, bestCpu};
  }

  private static void compare(String what, double[] got, float[] want) {
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
    System.out.printf(
        "# %s: ODIN scores vs PyTorch max |diff| %.3g over %d images (score %.8f vs %.8f)%n",
        what, worst, want.length, got[0], want[0]);
  }
}
