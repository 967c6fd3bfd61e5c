package org.mos.common.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisScore;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.ScoreMethod;

/**
 * Mahalanobis as a bundle scores it: the per-layer scores of the plain layer outputs combined by
 * the fitted regression, or, for statistics fitted with an input perturbation magnitude above 0
 * ({@link MahalanobisMagnitude}), the per-layer scores of inputs perturbed separately for every
 * layer ({@link #layerScores}): one forward for the plain features of every layer (the plain pass),
 * then per layer one pass of the bundle's VJP graph ({@code vjp_logits.onnx}) with the cotangent
 * {@code P (f - mu_c*)} of that layer's spatially averaged output, and one forward of the perturbed
 * batch.
 */
public final class MahalanobisMethodScorer implements MethodScorer {

  private final MahalanobisScore score;
  private final List<String> layers;
  private final MahalanobisMagnitude magnitude;

  /**
   * @param layers the graph outputs feeding the statistics' layers, in their order
   * @param magnitude the magnitude the statistics were fitted with
   */
  MahalanobisMethodScorer(
      MahalanobisScore score, List<String> layers, MahalanobisMagnitude magnitude) {
    this.score = score;
    this.layers = List.copyOf(layers);
    this.magnitude = magnitude;
  }

  @Override
  public ScoreMethod method() {
    return ScoreMethod.MAHALANOBIS;
  }

  @Override
  public Set<String> outputs() {
    return Set.copyOf(layers);
  }

  /** The layers' graph outputs in layer order. */
  List<String> layers() {
    return layers;
  }

  @Override
  public boolean perturbs(ScoreRequest request) {
    return magnitude.perturbs();
  }

  @Override
  public void runPerturbed(ScoringPass pass) {
    if (!magnitude.perturbs()) {
      return;
    }
    if (pass.model() == null) {
      throw new IllegalArgumentException(
          "mahalanobis was fitted with input perturbation magnitude "
              + magnitude.magnitude()
              + " and scores perturbed inputs, so it needs the model: score the images with"
              + " BundleScorer.score(model, batch, count, request), not precomputed outputs");
    }
    // every row of the batch: each image's perturbation depends on that image alone, and the rows
    // of parts that did not ask for mahalanobis are not read
    pass.keep(
        this,
        layerScores(
            pass.model(),
            pass.batch(),
            pass.count(),
            score,
            layers,
            magnitude,
            pass.plainOutputs()));
  }

  @Override
  public double[] score(ScoringPass pass, int part) {
    int from = pass.start(part);
    int rows = pass.parts().get(part).rows();
    if (magnitude.perturbs()) {
      return score.combine(ScoringPass.rows(pass.kept(this, double[][].class), from, rows));
    }
    Map<String, FloatMatrix> outputs = pass.plainRows(part);
    List<FloatMatrix> features = new ArrayList<>();
    for (String name : layers) {
      features.add(outputs.get(name));
    }
    return score.score(ModelOutputs.ofFeatures(features));
  }

  /**
   * The per-layer scores s_l(x'_l), indexed [layer][image], of the first {@code count} images of
   * {@code batch}, x'_l being the input perturbed for layer l by {@code magnitude} (x itself at
   * magnitude 0).
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
      MahalanobisMagnitude magnitude) {
    return layerScores(model, batch, count, score, layers, magnitude, Map.of());
  }

  /**
   * {@link #layerScores(BundleModel, InputBatch, int, MahalanobisScore, List,
   * MahalanobisMagnitude)}, taking the layers' outputs for the unperturbed images from {@code
   * known} (outputs of a forward pass the caller already ran on the same images) when it holds all
   * of them, which saves one forward pass.
   */
  public static double[][] layerScores(
      BundleModel model,
      InputBatch batch,
      int count,
      MahalanobisScore score,
      List<String> layers,
      MahalanobisMagnitude magnitude,
      Map<String, FloatMatrix> known) {
    int fitted = score.statistics().layers().size();
    if (layers.size() != fitted) {
      throw new IllegalArgumentException(
          "mahalanobis: fitted for " + fitted + " layers but got outputs " + layers);
    }
    Map<String, FloatMatrix> plain =
        known.keySet().containsAll(layers) ? known : model.run(batch, count, layers);
    List<FloatMatrix> features = new ArrayList<>();
    for (String name : layers) {
      features.add(plain.get(name));
    }
    if (!magnitude.perturbs()) {
      return score.perLayerScores(features);
    }
    if (!model.supportsInputPerturbation()) {
      throw new IllegalStateException(
          "mahalanobis: input perturbation (magnitude "
              + magnitude.magnitude()
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
      perturbed.copyFrom(magnitude.perturb(x, gradient), count);
      FloatMatrix moved = model.run(perturbed, count, List.of(name)).get(name);
      out[l] = score.layerScore(l, moved);
    }
    return out;
  }
}
