package org.mos.common.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mos.common.score.Batch;
import org.mos.common.score.MahalanobisPerturbation;
import org.mos.common.score.MahalanobisScore;

/**
 * Mahalanobis scores of perturbed inputs ({@link MahalanobisPerturbation}) on a {@link
 * BundleModel}: one forward for the plain features of every layer, then per layer one pass of the
 * bundle's VJP graph ({@code vjp_logits.onnx}) with the cotangent {@code P (f - mu_c*)} of that
 * layer's spatially averaged output, and one forward of the perturbed batch. With magnitude 0 only
 * the first forward runs.
 */
public final class MahalanobisInputPerturbation {

  private MahalanobisInputPerturbation() {}

  /**
   * The per-layer scores s_l(x'_l), indexed [layer][image], of the first {@code count} images of
   * {@code batch}, x'_l being the input perturbed for layer l.
   *
   * @param layers the graph outputs feeding the layers, in the statistics' layer order ({@code
   *     stem}, {@code block1} .. {@code block4}: the outputs the VJP graph takes cotangents for)
   * @throws IllegalStateException when the perturbation is asked of a bundle without the VJP graph
   * @throws IllegalArgumentException when the layers do not match the statistics or a layer has no
   *     cotangent input in the VJP graph
   */
  public static double[][] layerScores(
      BundleModel model,
      InputBatch batch,
      int count,
      MahalanobisScore score,
      List<String> layers,
      MahalanobisPerturbation perturbation) {
    return layerScores(model, batch, count, score, layers, perturbation, Map.of());
  }

  /**
   * {@link #layerScores(BundleModel, InputBatch, int, MahalanobisScore, List,
   * MahalanobisPerturbation)}, taking the layers' outputs for the unperturbed images from {@code
   * known} (outputs of a forward pass the caller already ran on the same images) when it holds all
   * of them, which saves one forward pass.
   */
  public static double[][] layerScores(
      BundleModel model,
      InputBatch batch,
      int count,
      MahalanobisScore score,
      List<String> layers,
      MahalanobisPerturbation perturbation,
      Map<String, Batch> known) {
    int fitted = score.statistics().layers().size();
    if (layers.size() != fitted) {
      throw new IllegalArgumentException(
          "mahalanobis: fitted for " + fitted + " layers but got outputs " + layers);
    }
    Map<String, Batch> plain =
        known.keySet().containsAll(layers) ? known : model.run(batch, count, layers);
    List<Batch> features = new ArrayList<>();
    for (String name : layers) {
      features.add(plain.get(name));
    }
    if (!perturbation.perturbs()) {
      return score.perLayerScores(features);
    }
    if (!model.supportsInputPerturbation()) {
      throw new IllegalStateException(
          "mahalanobis: input perturbation (magnitude "
              + perturbation.magnitude()
              + ") needs a bundle with gradient graphs (export it without --no-gradient-graphs)");
    }
    float[] x = new float[count * batch.floatsPerImage()];
    batch.view(count).get(x);
    InputBatch perturbed = model.newInputBatch(count);
    double[][] out = new double[fitted][];
    for (int l = 0; l < fitted; l++) {
      String name = layers.get(l);
      float[] cotangent = score.layerCotangent(l, features.get(l));
      float[] gradient = model.inputGradient(batch, count, Map.of(name, cotangent));
      fill(perturbed, perturbation.perturb(x, gradient), count);
      Batch moved = model.run(perturbed, count, List.of(name)).get(name);
      out[l] = score.layerScore(l, moved);
    }
    return out;
  }

  /** -P(OOD) of the perturbed inputs: the per-layer scores combined by the fitted regression. */
  public static double[] scores(
      BundleModel model,
      InputBatch batch,
      int count,
      MahalanobisScore score,
      List<String> layers,
      MahalanobisPerturbation perturbation) {
    return score.combine(layerScores(model, batch, count, score, layers, perturbation));
  }

  private static void fill(InputBatch batch, float[] values, int count) {
    int per = batch.floatsPerImage();
    for (int i = 0; i < count; i++) {
      batch.put(i, Arrays.copyOfRange(values, i * per, (i + 1) * per));
    }
  }
}
