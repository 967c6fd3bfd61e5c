package org.mos.evaluator.transport;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.score.MahalanobisLayerStatistics;
import org.mos.common.score.MahalanobisStatistics;

/**
 * A linear synthetic bundle whose inputs can be perturbed (its VJP graph takes the cotangents of
 * the logits and of block1), with Mahalanobis statistics on block1 fitted with magnitude {@link
 * #MAGNITUDE}, and the Mahalanobis score of a solid-colour image worked out independently: in
 * double precision, from the formulas of DESIGN section 4 and docs/perturbation.md, not with the
 * suite's score code.
 */
public final class PerturbationFixtures {

  public static final double MAGNITUDE = 0.1;

  /** Class means of block1 (= per-channel mean of relu(x)): classes 0 and 2. */
  static final double[][] MEANS = {{0.5, 0, 0.1}, {0, 0.3, 0.4}};

  /** A symmetric positive definite precision. */
  static final double[][] PRECISION = {{2, 0.5, 0}, {0.5, 1, 0.2}, {0, 0.2, 1.5}};

  /** The combiner: P(OOD) = sigmoid(BIAS + WEIGHT s), lower for layer scores closer to 0. */
  static final double WEIGHT = -1.5;

  static final double BIAS = -0.2;

  private PerturbationFixtures() {}

  /** Writes the bundle to {@code dir/perturbable} and returns its folder. */
  public static Path bundle(Path dir) throws IOException {
    Path bundle = dir.resolve("perturbable");
    MahalanobisStatistics statistics =
        new MahalanobisStatistics(
            List.of(new MahalanobisLayerStatistics(new int[] {0, 2}, MEANS, PRECISION)),
            new double[] {WEIGHT},
            BIAS);
    new SyntheticBundle(
            4, List.of("x", "y", "z"), null, TransportFixtures.W, TransportFixtures.B, Map.of())
        .writeWithMahalanobis(bundle, statistics, MAGNITUDE);
    return bundle;
  }

  /**
   * The score store of an evaluate run ({@code out/scores}, read as text, not through {@code
   * ScoreStore}): image path to {method key: score}; images that could not be scored are left out.
   */
  public static Map<String, Map<String, Double>> storedScores(Path out) throws IOException {
    Map<String, Map<String, Double>> byImage = new HashMap<>();
    try (var files = Files.list(out.resolve("scores"))) {
      for (Path f : files.toList()) {
        List<String> lines = Files.readAllLines(f);
        for (String line : lines.subList(1, lines.size())) {
          String[] fields = line.split("\t");
          if (fields[5].startsWith("!")) {
            continue; // an image that could not be scored
          }
          Map<String, Double> scores = byImage.computeIfAbsent(fields[0], k -> new HashMap<>());
          for (String item : fields[5].split(",")) {
            scores.put(
                item.substring(0, item.indexOf('=')),
                Double.parseDouble(item.substring(item.indexOf('=') + 1, item.lastIndexOf(':'))));
          }
        }
      }
    }
    return byImage;
  }

  /** The statistics written by {@link #bundle}. */
  public static final Reference REFERENCE =
      new Reference(MEANS, PRECISION, WEIGHT, BIAS, MAGNITUDE);

  /**
   * Mahalanobis on the synthetic bundle's block1 (one layer), worked out in double precision.
   *
   * @param means class means of block1, one row per class
   * @param precision the tied precision P
   * @param weight the combiner's weight of the layer score
   * @param bias the combiner's bias
   * @param magnitude the input perturbation magnitude m
   */
  public record Reference(
      double[][] means, double[][] precision, double weight, double bias, double magnitude) {

    /**
     * -P(OOD) of an image of one colour: x = 2 rgb / 255 - 1 per channel, f = relu(x) (the spatial
     * mean of a constant image), c* the class with the largest -1/2 (f - mu)^T P (f - mu) (the
     * first on ties); the loss gradient P (f - mu_c*) reaches pixel x_k as that channel's entry
     * where x_k > 0 and as 0 elsewhere (relu); x' = x - m * sign(gradient), a zero gradient
     * stepping by -m too; the layer score s of f' = relu(x'), combined as -sigmoid(bias + weight *
     * s). With {@code perturbed} false, the score of the input as it is.
     */
    public double score(int[] rgb, boolean perturbed) {
      double[] x = new double[3];
      double[] f = new double[3];
      for (int k = 0; k < 3; k++) {
        x[k] = 2 * rgb[k] / 255.0 - 1;
        f[k] = Math.max(0, x[k]);
      }
      int closest = 0;
      for (int c = 1; c < means.length; c++) {
        if (layerScore(f, means[c]) > layerScore(f, means[closest])) {
          closest = c;
        }
      }
      double[] moved = new double[3];
      for (int k = 0; k < 3; k++) {
        double gradient = 0;
        if (x[k] > 0) {
          for (int j = 0; j < 3; j++) {
            gradient += precision[k][j] * (f[j] - means[closest][j]);
          }
        }
        moved[k] = perturbed ? Math.max(0, x[k] - magnitude * (gradient >= 0 ? 1 : -1)) : f[k];
      }
      double s = Double.NEGATIVE_INFINITY;
      for (double[] mean : means) {
        s = Math.max(s, layerScore(moved, mean));
      }
      return -1 / (1 + Math.exp(-(bias + weight * s)));
    }

    private double layerScore(double[] f, double[] mean) {
      double q = 0;
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          q += (f[i] - mean[i]) * precision[i][j] * (f[j] - mean[j]);
        }
      }
      return -0.5 * q;
    }
  }

  /** Writes a PNG of one colour, 6 x 5 pixels. */
  public static void solidPng(Path file, int[] rgb) throws IOException {
    BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
  }
}
