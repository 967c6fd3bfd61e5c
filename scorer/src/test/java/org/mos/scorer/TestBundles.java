package org.mos.scorer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.score.MahalanobisLayerStatistics;
import org.mos.common.score.MahalanobisStatistics;

/**
 * Writes the models folder the tests serve, before the application starts: {@code flat} (3 classes,
 * no calibration), {@code grouped} (groups of 1 and 2 classes, calibration scores for mos), a
 * {@code maha} (the flat model with Mahalanobis statistics on {@code block1} fitted with input
 * perturbation magnitude {@link #MAHALANOBIS_MAGNITUDE}), a folder with an invalid name and a
 * broken bundle. The models are linear: logits = W f + b with f the per-channel mean of the
 * normalised input, and block1 = the per-channel mean of relu(input), so every expected value is
 * worked out by hand in the tests.
 */
public class TestBundles implements QuarkusTestResourceLifecycleManager {

  public static final float[][] FLAT_W = {{1, 0, 0}, {0, 2, 0}, {0, 0, -1}};
  public static final float[] FLAT_B = {0.5f, 0, 0.25f};

  /** Calibration scores of mos in the grouped bundle. */
  public static final double[] MOS_CALIBRATION = {-0.5, -0.4, -0.3, -0.2};

  static Path dir;

  @Override
  public Map<String, String> start() {
    try {
      dir = Files.createTempDirectory("mos-scorer-models-");
      writeFlat(dir.resolve("flat"), FLAT_B);
      new SyntheticBundle(
              4,
              List.of("a", "b", "c"),
              List.of(1, 2),
              new float[][] {{0, 0, 0}, {1, 0, 0}, {0, 0, 0}, {0, -1, 0}, {0, 0, 1}},
              new float[5],
              Map.of("mos", MOS_CALIBRATION))
          .writeTo(dir.resolve("grouped"));
      writeMahalanobis(dir.resolve("maha"));
      writeFlat(dir.resolve("bad name!"), FLAT_B);
      Files.createDirectories(dir.resolve("broken"));
      Files.writeString(dir.resolve("broken/manifest.json"), "{not json");
      return Map.of("scorer.models-dir", dir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes (or replaces) a flat bundle with the test weights and the given biases, and its VJP
   * graph (ODIN with input perturbation works on it).
   */
  public static void writeFlat(Path target, float[] bias) throws IOException {
    new SyntheticBundle(4, List.of("x", "y", "z"), null, FLAT_W, bias, Map.of())
        .writeTo(target, true);
  }

  /** Input perturbation magnitude of the {@code maha} bundle's Mahalanobis statistics. */
  public static final double MAHALANOBIS_MAGNITUDE = 0.1;

  /**
   * The {@code maha} bundle: the flat model, its VJP graph taking block1's cotangent too, and
   * Mahalanobis statistics on block1: class means (0.5, 0, 0) and (0, 0.5, 0), identity precision,
   * P(OOD) = sigmoid(0.1 + 2 s), fitted with magnitude {@link #MAHALANOBIS_MAGNITUDE}.
   */
  static void writeMahalanobis(Path target) throws IOException {
    double[][] identity = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    MahalanobisStatistics statistics =
        new MahalanobisStatistics(
            List.of(
                new MahalanobisLayerStatistics(
                    new int[] {0, 1}, new double[][] {{0.5, 0, 0}, {0, 0.5, 0}}, identity)),
            new double[] {2},
            0.1);
    new SyntheticBundle(4, List.of("x", "y", "z"), null, FLAT_W, FLAT_B, Map.of())
        .writeWithMahalanobis(target, statistics, MAHALANOBIS_MAGNITUDE);
  }

  public static Path modelsDir() {
    return dir;
  }

  @Override
  public void stop() {
    // the temp folder is left for inspection; it is small
  }

  /** A PNG of one colour, 6 x 5 pixels. */
  public static byte[] png(int r, int g, int b) {
    BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
