package org.mos.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecoder;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.io.Npy;
import org.mos.common.score.FloatMatrix;

/**
 * Checks a bundle written by {@code mos import --onnx} from a full-size torchvision model against
 * the PyTorch reference of {@code bench/python/import_full_ref.py} (bench/import.md): the suite's
 * preprocessing of the same PNG files against torchvision's transforms, the logits and features
 * against the float64 PyTorch forward, and the ODIN gradient graph's input gradient against torch
 * autograd (float64). Then times, at batch 1, the forward and the ODIN gradient graph in ONNX
 * Runtime (the generic gradient graph's cost; PyTorch's is in the reference's reference.json).
 *
 * <pre>
 * java -cp "$CP" org.mos.bench.ImportFullCheck BUNDLE REFERENCE_DIR [THREADS] [TIME_ITERS]
 * </pre>
 *
 * Prints one line per comparison and exits 1 when the preprocessing differs, the logits or features
 * exceed 1e-4 relative (the largest absolute difference over the reference's largest magnitude, at
 * least 1), or the gradient's relative L2 error against float64 exceeds both 1e-4 and 1.1 times
 * PyTorch's own float32 autograd's (float32 alone is that far off on a deep random-weight network).
 */
public final class ImportFullCheck {

  private static final double TOLERANCE = 1e-4;
  private static final float TEMPERATURE = 1000f;

  private ImportFullCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: ImportFullCheck BUNDLE REFERENCE_DIR [THREADS (1)] [TIME_ITERS (3)]");
      System.exit(2);
    }
    Path bundleDir = Path.of(args[0]);
    Path ref = Path.of(args[1]);
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    int iters = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    List<Path> images;
    try (Stream<Path> s = Files.list(ref.resolve("images"))) {
      images = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
    }
    float[] wantInput = Npy.read(ref.resolve("input.npy")).toFloats();
    boolean ok = true;
    try (ModelBundle bundle = ModelBundle.open(bundleDir);
        BundleModel model =
            BundleModel.open(bundle, InferenceOptions.cpu().withIntraOpThreads(threads))) {
      int n = images.size();
      InputBatch batch = model.newInputBatch(n);
      List<float[]> chws = new ArrayList<>();
      int per = wantInput.length / n;
      long unequal = 0;
      double inputDiff = 0;
      for (int i = 0; i < n; i++) {
        float[] chw = model.preprocess(ImageDecoder.pillowCompatible().decode(images.get(i)));
        for (int j = 0; j < per; j++) {
          double d = Math.abs(chw[j] - wantInput[i * per + j]);
          unequal += d > 0 ? 1 : 0;
          inputDiff = Math.max(inputDiff, d);
        }
        chws.add(chw);
        batch.put(i, chw);
      }
      System.out.printf(
          "input (suite preprocessing vs torchvision): %d of %d values differ, max |diff| %.3g%n",
          unequal, (long) per * n, inputDiff);
      ok &= unequal == 0;
      // the rest is compared on torchvision's own input, so that only the graph is measured
      for (int i = 0; i < n; i++) {
        float[] chw = new float[per];
        System.arraycopy(wantInput, i * per, chw, 0, per);
        batch.put(i, chw);
      }
      Map<String, FloatMatrix> out = model.run(batch, n, List.of("logits", "features"));
      ok &= report("logits", out.get("logits").toArray(), ref.resolve("logits.npy"), 1);
      ok &= report("features", out.get("features").toArray(), ref.resolve("features.npy"), 1);
      if (Files.exists(ref.resolve("logits32.npy"))) {
        // PyTorch's own float32 error against its float64 forward, for scale
        report(
            "logits (PyTorch float32 vs float64)",
            Npy.read(ref.resolve("logits32.npy")).toFloats(),
            ref.resolve("logits.npy"),
            1);
      }
      float[] temperatures = new float[n];
      java.util.Arrays.fill(temperatures, TEMPERATURE);
      float[] gradient = model.odinGradient(batch, n, temperatures, List.of()).gradient();
      double ours = relativeL2(gradient, ref.resolve("odin_gradient.npy"));
      report("ODIN input gradient", gradient, ref.resolve("odin_gradient.npy"), 0);
      if (Files.exists(ref.resolve("odin_gradient32.npy"))) {
        float[] torch32 = Npy.read(ref.resolve("odin_gradient32.npy")).toFloats();
        double theirs = relativeL2(torch32, ref.resolve("odin_gradient.npy"));
        report(
            "ODIN input gradient (PyTorch float32 vs float64)",
            torch32,
            ref.resolve("odin_gradient.npy"),
            0);
        report(
            "ODIN input gradient (ours vs PyTorch float32)",
            gradient,
            ref.resolve("odin_gradient32.npy"),
            0);
        // float32 arithmetic alone can be this far from float64 on a deep random-weight network:
        // the graph passes when it is within 1e-4 or no further than PyTorch's own float32 autograd
        boolean pass = ours <= Math.max(TOLERANCE, 1.1 * theirs);
        System.out.printf(
            "ODIN gradient relative L2 vs float64: ours %.3g, PyTorch float32 %.3g: %s%n",
            ours, theirs, pass ? "ok" : "worse than PyTorch float32");
        ok &= pass;
      } else {
        ok &= ours <= TOLERANCE;
      }
      time(model, iters);
    }
    System.out.println(ok ? "PASS" : "FAIL");
    System.exit(ok ? 0 : 1);
  }

  private static boolean report(String what, float[] got, Path wantFile, double floor)
      throws Exception {
    float[] want = Npy.read(wantFile).toFloats();
    if (got.length != want.length) {
      System.out.printf("%s: %d values, the reference has %d%n", what, got.length, want.length);
      return false;
    }
    double worst = 0;
    double scale = floor;
    double diff2 = 0;
    double norm2 = 0;
    for (int i = 0; i < want.length; i++) {
      double d = got[i] - (double) want[i];
      worst = Math.max(worst, Math.abs(d));
      scale = Math.max(scale, Math.abs(want[i]));
      diff2 += d * d;
      norm2 += (double) want[i] * want[i];
    }
    double relative = worst / scale;
    System.out.printf(
        "%s: max |diff| %.3g, max |reference| %.3g, max |diff| / max |reference| %.3g,"
            + " relative L2 %.3g%n",
        what, worst, scale, relative, Math.sqrt(diff2 / norm2));
    return relative <= TOLERANCE;
  }

  private static double relativeL2(float[] got, Path wantFile) throws Exception {
    float[] want = Npy.read(wantFile).toFloats();
    double diff2 = 0;
    double norm2 = 0;
    for (int i = 0; i < want.length; i++) {
      double d = got[i] - (double) want[i];
      diff2 += d * d;
      norm2 += (double) want[i] * want[i];
    }
    return Math.sqrt(diff2 / norm2);
  }

  private static void time(BundleModel model, int iters) {
    InputBatch one = model.newInputBatch(1);
    float[] x = new float[one.floatsPerImage()];
    for (int i = 0; i < x.length; i++) {
      x[i] = ((i * 7919) % 1000) / 500f - 1f;
    }
    one.put(0, x);
    float[] t = {TEMPERATURE};
    model.run(one, 1, List.of("logits"));
    model.odinGradient(one, 1, t, List.of());
    double bestForward = Double.MAX_VALUE;
    double bestOdin = Double.MAX_VALUE;
    double sumForward = 0;
    double sumOdin = 0;
    for (int i = 0; i < iters; i++) {
      // alternate, so that a load swing on the shared box hits both
      long t0 = System.nanoTime();
      model.run(one, 1, List.of("logits"));
      long t1 = System.nanoTime();
      model.odinGradient(one, 1, t, List.of());
      long t2 = System.nanoTime();
      bestForward = Math.min(bestForward, (t1 - t0) / 1e6);
      bestOdin = Math.min(bestOdin, (t2 - t1) / 1e6);
      sumForward += (t1 - t0) / 1e6;
      sumOdin += (t2 - t1) / 1e6;
    }
    System.out.printf(
        "batch 1, %d iterations: forward %.0f ms min / %.0f mean; ODIN gradient graph %.0f ms min"
            + " / %.0f mean (%.2fx the forward at min)%n",
        iters, bestForward, sumForward / iters, bestOdin, sumOdin / iters, bestOdin / bestForward);
  }
}
