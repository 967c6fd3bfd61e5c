package org.mos.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.Calibration;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.io.Npy;

/**
 * Writes the synthetic bundle the scorer load test serves: a linear model (global average pool,
 * then a Gemm) over 224 x 224 inputs with 8 groups of 10 classes (88 logits) and calibration scores
 * for mos. Usage: {@code ScorerLoadBundle MODELS_DIR [SIZE]}.
 *
 * <p>{@code ScorerLoadBundle --calibrate BUNDLE OUT} copies a real bundle (e.g. one written by the
 * trainer's {@code import}) to {@code OUT} with 1000 random mos calibration scores (uniform in [-1,
 * 0], the range of mos), so that every load-test response carries a calibrated decision as with a
 * fitted bundle. The scores are not the model's: only the cost of the decision matters here.
 */
public final class ScorerLoadBundle {

  private ScorerLoadBundle() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("--calibrate")) {
      calibrate(Path.of(args[1]), Path.of(args[2]));
      return;
    }
    Path dir = Path.of(args[0]);
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 224;
    int groups = 8;
    int perGroup = 10;
    Random random = new Random(7);
    List<String> names = new ArrayList<>();
    for (int c = 0; c < groups * perGroup; c++) {
      names.add("class" + c);
    }
    int logits = groups * (perGroup + 1);
    float[][] w = new float[logits][3];
    float[] b = new float[logits];
    for (int i = 0; i < logits; i++) {
      for (int j = 0; j < 3; j++) {
        w[i][j] = (float) random.nextGaussian();
      }
    }
    double[] calibration = new double[1000];
    for (int i = 0; i < calibration.length; i++) {
      calibration[i] = -random.nextDouble();
    }
    new SyntheticBundle(
            size,
            names,
            java.util.Collections.nCopies(groups, perGroup),
            w,
            b,
            Map.of("mos", calibration))
        .writeTo(dir.resolve("synthetic"));
    System.out.println("wrote " + dir.resolve("synthetic"));
  }

  private static void calibrate(Path source, Path out) throws Exception {
    try (ModelBundle bundle = ModelBundle.open(source)) {
      BundleManifest manifest = bundle.manifest();
      BundleWriter writer = BundleWriter.to(out).replaceExisting(true);
      for (String name : manifest.checksums().keySet()) {
        writer.copyFile(name, bundle.file(name));
      }
      Random random = new Random(11);
      ByteBuffer scores = ByteBuffer.allocate(1000 * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < 1000; i++) {
        scores.putDouble(-random.nextDouble());
      }
      writer.write(
          "calibration_mos.npy", o -> Npy.write(o, "<f8", new int[] {1000}, scores.array()));
      writer.commit(
          manifest.withStatistics(
              Calibration.STATISTICS_KEY,
              new BundleManifest.Statistics(
                  Map.of("mos", "calibration_mos.npy"), Map.of("dataset", "random (load test)"))));
    }
    System.out.println("wrote " + out);
  }
}
