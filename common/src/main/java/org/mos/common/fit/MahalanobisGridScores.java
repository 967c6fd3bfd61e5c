package org.mos.common.fit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.MahalanobisMethodScorer;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisScore;

/**
 * Per-layer Mahalanobis scores of a batch for every magnitude of a grid at once, as {@link
 * MahalanobisMethodScorer#layerScores} computes them for one magnitude: the plain features, the
 * closest class and the input gradient of each layer do not depend on the magnitude, so they are
 * computed once (one forward, one VJP pass per layer) and only the forward of each perturbed input
 * is repeated. For the paper's grid and five layers that is 1 + 5 + 6 x 5 runs per batch instead of
 * 7 x (1 + 2 x 5).
 */
public final class MahalanobisGridScores {

  private MahalanobisGridScores() {}

  /**
   * The scores s_l(x'_{l,m}) indexed [magnitude][layer][image] of {@code count} preprocessed
   * images, x'_{l,m} being the input perturbed for layer l by magnitude m.
   *
   * @param x count CHW images in C order, as the model takes them
   * @param layers the graph outputs feeding the statistics' layers, in their order
   * @throws IllegalStateException when a magnitude above 0 is asked of a bundle without the VJP
   *     graph
   * @throws IllegalArgumentException when the layers do not match the statistics or a layer has no
   *     cotangent input in the VJP graph
   */
  public static double[][][] layerScores(
      BundleModel model,
      float[] x,
      int count,
      MahalanobisScore score,
      List<String> layers,
      List<MahalanobisMagnitude> grid) {
    int fitted = score.statistics().layers().size();
    if (layers.size() != fitted) {
      throw new IllegalArgumentException(
          "mahalanobis: fitted for " + fitted + " layers but got outputs " + layers);
    }
    boolean perturbs = grid.stream().anyMatch(MahalanobisMagnitude::perturbs);
    if (perturbs && !model.supportsInputPerturbation()) {
      throw new IllegalStateException(
          "mahalanobis: input perturbation (magnitudes "
              + grid.stream().map(MahalanobisMagnitude::magnitude).toList()
              + ") needs a bundle with gradient graphs (export it without --no-gradient-graphs)");
    }
    InputBatch batch = batchOf(model, x, count);
    Map<String, FloatMatrix> plain = model.run(batch, count, layers);
    List<FloatMatrix> features = new ArrayList<>();
    for (String name : layers) {
      features.add(plain.get(name));
    }
    double[][] unperturbed = score.perLayerScores(features);
    double[][][] out = new double[grid.size()][fitted][];
    InputBatch moved = perturbs ? model.newInputBatch(count) : null;
    for (int l = 0; l < fitted; l++) {
      float[] gradient = null;
      for (int k = 0; k < grid.size(); k++) {
        MahalanobisMagnitude p = grid.get(k);
        if (!p.perturbs()) {
          out[k][l] = unperturbed[l];
          continue;
        }
        if (gradient == null) {
          String name = layers.get(l);
          float[] cotangent = score.layerCotangent(l, features.get(l));
          gradient = model.inputGradient(batch, count, Map.of(name, cotangent));
        }
        fill(moved, p.perturb(x, gradient), count);
        out[k][l] =
            score.layerScore(l, model.run(moved, count, List.of(layers.get(l))).get(layers.get(l)));
      }
    }
    return out;
  }

  /** A new input batch holding {@code count} CHW images. */
  static InputBatch batchOf(BundleModel model, float[] x, int count) {
    InputBatch batch = model.newInputBatch(count);
    if (x.length != count * batch.floatsPerImage()) {
      throw new IllegalArgumentException(
          x.length
              + " input values are not "
              + count
              + " images of "
              + batch.floatsPerImage()
              + " values");
    }
    fill(batch, x, count);
    return batch;
  }

  private static void fill(InputBatch batch, float[] values, int count) {
    int per = batch.floatsPerImage();
    for (int i = 0; i < count; i++) {
      batch.put(i, Arrays.copyOfRange(values, i * per, (i + 1) * per));
    }
  }
}
