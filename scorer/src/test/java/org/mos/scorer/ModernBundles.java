package org.mos.scorer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.fit.KnnBankAccumulator;
import org.mos.common.fit.VimAccumulator;
import org.mos.common.image.RgbImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.Calibration;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.io.Npy;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.VimStatistics;

/**
 * Writes a models folder with one bundle, {@code modern}, fitted for the modern methods as {@code
 * mos fit} fits them: a linear group-softmax model (groups of 1 and 2 classes) with D = 8 features
 * ({@link SyntheticBundle#writeWide}), ReAct's clip (percentile 90 of the fit set's activations),
 * DICE's mean feature, KNN's normalised bank (K {@value #KNN_K}) and ViM's origin, residual basis
 * and alpha from {@value #FIT_IMAGES} solid-colour fit images, then ID calibration scores of {@link
 * #CALIBRATED} over {@value #CALIBRATION_IMAGES} other images, scored by {@link BundleScorer} as
 * {@code mos fit --calibrate} scores them.
 */
public class ModernBundles implements QuarkusTestResourceLifecycleManager {

  /** The bundle's name in the models folder. */
  public static final String MODEL = "modern";

  /** The methods the bundle carries calibration scores for (canonical ids). */
  public static final List<String> CALIBRATED =
      List.of("react", "ash-s@p=85", "mos+react", "knn", "knn@k=5", "vim", "gen");

  static final int KNN_K = 3;
  static final int FIT_IMAGES = 16;
  static final int CALIBRATION_IMAGES = 12;

  private static final int D = 8;
  private static final SyntheticBundle SPEC;
  private static final float[][] EXPANSION = new float[3][D];

  static {
    Random r = new Random(16);
    float[][] w = new float[5][D];
    for (float[] row : w) {
      for (int j = 0; j < D; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    float[] b = new float[5];
    for (int i = 0; i < 5; i++) {
      b[i] = (float) (0.1 * r.nextGaussian());
    }
    for (float[] row : EXPANSION) {
      for (int j = 0; j < D; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    SPEC = new SyntheticBundle(4, List.of("a", "b", "c"), List.of(1, 2), w, b, Map.of());
  }

  static Path dir;

  @Override
  public Map<String, String> start() {
    try {
      dir = Files.createTempDirectory("mos-scorer-modern-");
      write(dir.resolve(MODEL), Files.createTempDirectory("mos-scorer-modern-work-"));
      return Map.of("scorer.models-dir", dir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fitted bundle's folder. */
  public static Path bundleDir() {
    return dir.resolve(MODEL);
  }

  /** A solid-colour image of the model's input side, as the scorer decodes a solid PNG. */
  public static RgbImage solid(int r, int g, int b) {
    byte[] rgb = new byte[4 * 4 * 3];
    for (int p = 0; p < 16; p++) {
      rgb[3 * p] = (byte) r;
      rgb[3 * p + 1] = (byte) g;
      rgb[3 * p + 2] = (byte) b;
    }
    return RgbImage.of(4, 4, rgb);
  }

  private static List<RgbImage> colours(long seed, int n) {
    Random r = new Random(seed);
    List<RgbImage> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(solid(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
    }
    return out;
  }

  private static void write(Path target, Path work) throws IOException {
    Path plain = work.resolve("plain");
    SPEC.writeWide(plain, EXPANSION, Map.of(), Map.of());
    Map<String, BundleManifest.Statistics> statistics = new LinkedHashMap<>();
    Map<String, BundleWriter.Content> files = new LinkedHashMap<>();
    try (ModelBundle bundle = ModelBundle.open(plain);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      List<RgbImage> fit = colours(1, FIT_IMAGES);
      InputBatch batch = model.newInputBatch(fit.size());
      for (int i = 0; i < fit.size(); i++) {
        batch.put(i, fit.get(i));
      }
      Map<String, FloatMatrix> out =
          model.run(batch, fit.size(), List.of(BundleModel.LOGITS, BundleModel.FEATURES));
      FloatMatrix f = out.get(BundleModel.FEATURES);
      FloatMatrix z = out.get(BundleModel.LOGITS);
      fitShaping(f, statistics, files);
      fitKnn(f, work, statistics, files);
      fitVim(f, z, work, statistics, files);
    }
    SPEC.writeWide(target, EXPANSION, statistics, files);
    // calibration scores of the fitted bundle, as mos fit --calibrate computes them
    Map<String, double[]> scores = new LinkedHashMap<>();
    try (ModelBundle bundle = ModelBundle.open(target);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      List<RgbImage> cal = colours(2, CALIBRATION_IMAGES);
      InputBatch batch = model.newInputBatch(cal.size());
      for (int i = 0; i < cal.size(); i++) {
        batch.put(i, cal.get(i));
      }
      List<ImageResult> images =
          BundleScorer.of(bundle)
              .score(model, batch, cal.size(), new ScoreRequest(CALIBRATED, 0.95, 0, false, false))
              .images();
      for (String m : CALIBRATED) {
        scores.put(m, images.stream().mapToDouble(r -> r.scores().get(m)).toArray());
      }
    }
    Map<String, String> names = new TreeMap<>();
    for (int i = 0; i < CALIBRATED.size(); i++) {
      String name = "calibration_" + i + ".npy";
      double[] v = scores.get(CALIBRATED.get(i));
      names.put(CALIBRATED.get(i), name);
      files.put(name, o -> float64(o, v, v.length));
    }
    statistics.put(
        Calibration.STATISTICS_KEY,
        new BundleManifest.Statistics(names, Map.of("dataset", "ModernBundles")));
    SPEC.writeWide(target, EXPANSION, statistics, files);
  }

  private static void fitShaping(
      FloatMatrix f,
      Map<String, BundleManifest.Statistics> statistics,
      Map<String, BundleWriter.Content> files) {
    float[] all = f.toArray();
    float[] sorted = all.clone();
    Arrays.sort(sorted);
    double clip = sorted[(int) Math.floor(0.9 * (sorted.length - 1))];
    statistics.put("react", new BundleManifest.Statistics(Map.of(), Map.of("clip", clip)));
    double[] mean = new double[D];
    for (int i = 0; i < f.rows(); i++) {
      for (int j = 0; j < D; j++) {
        mean[j] += f.get(i, j) / (double) f.rows();
      }
    }
    files.put("dice_mean.npy", o -> float64(o, mean, D));
    statistics.put(
        "dice", new BundleManifest.Statistics(Map.of("mean", "dice_mean.npy"), Map.of("p", 70)));
  }

  private static void fitKnn(
      FloatMatrix f,
      Path work,
      Map<String, BundleManifest.Statistics> statistics,
      Map<String, BundleWriter.Content> files)
      throws IOException {
    ByteArrayOutputStream bank = new ByteArrayOutputStream();
    try (KnnBankAccumulator acc = new KnnBankAccumulator(D, work.resolve("knn"))) {
      acc.add(f);
      acc.writeNpy(bank);
    }
    byte[] bytes = bank.toByteArray();
    files.put("knn_bank.npy", o -> o.write(bytes));
    statistics.put(
        "knn", new BundleManifest.Statistics(Map.of("bank", "knn_bank.npy"), Map.of("k", KNN_K)));
  }

  private static void fitVim(
      FloatMatrix f,
      FloatMatrix z,
      Path work,
      Map<String, BundleManifest.Statistics> statistics,
      Map<String, BundleWriter.Content> files)
      throws IOException {
    float[] w = new float[5 * D];
    for (int i = 0; i < 5; i++) {
      System.arraycopy(SPEC.weights()[i], 0, w, i * D, D);
    }
    int dim = VimAccumulator.authorsDim(D);
    VimStatistics s;
    try (VimAccumulator acc =
        new VimAccumulator(FloatMatrix.wrap(w, 5, D), SPEC.bias(), dim, work.resolve("vim"))) {
      acc.add(f, z);
      s = acc.result().statistics();
    }
    files.put("vim_origin.npy", o -> float64(o, s.origin(), D));
    files.put("vim_basis.npy", o -> float64(o, s.residualBasis(), D, s.residualDims()));
    statistics.put(
        "vim",
        new BundleManifest.Statistics(
            Map.of("origin", "vim_origin.npy", "residual_basis", "vim_basis.npy"),
            Map.of("principal_dim", dim, "alpha", s.alpha())));
  }

  private static void float64(java.io.OutputStream o, double[] values, int... shape)
      throws IOException {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(values.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      b.putDouble(v);
    }
    Npy.write(o, "<f8", shape, b.array());
  }

  @Override
  public void stop() {
    // the temp folder is left for inspection; it is small
  }
}
