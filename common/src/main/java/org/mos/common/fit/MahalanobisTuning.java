package org.mos.common.fit;

import java.util.ArrayList;
import java.util.List;
import org.mos.common.metrics.Convention;
import org.mos.common.metrics.OodMetrics;
import org.mos.common.score.MahalanobisMagnitude;

/**
 * The tuning of Mahalanobis' input-perturbation magnitude and logistic-regression combiner, as the
 * MOS repo's {@code tune_mahalanobis_hyperparams.py} does it. The ID validation images are split
 * into a training part (the first N) and a held-out part (the next N); each image also gets an FGSM
 * copy ({@link FgsmAttack}), the negatives. For every magnitude of the grid:
 *
 * <ol>
 *   <li>the per-layer scores (input perturbed at that magnitude, {@link MahalanobisGridScores}) of
 *       the training part (label 0) and its FGSM copies (label 1), rounded to float32, train a
 *       logistic regression with scikit-learn's {@code LogisticRegressionCV()} defaults ({@link
 *       LogisticRegressionCv});
 *   <li>the held-out part and its FGSM copies are scored by it, {@code -P(OOD)}, and the FPR at 95%
 *       TPR is measured with ID positive, as the reference's {@code get_measures} ({@link
 *       Convention#PAPER}).
 * </ol>
 *
 * The magnitude with the lowest FPR95 wins, the first in grid order on ties (the reference keeps a
 * strictly better one only), with the regression fitted at it.
 *
 * <p>Scores are added batch by batch ({@link #add}), so the images are read once and never held:
 * only the per-layer scores (4 x N x magnitudes x layers values) are kept.
 */
public final class MahalanobisTuning {

  /** Which part of the validation images a batch belongs to. */
  public enum Part {
    /** The first N images: they (and their FGSM copies) train the regression. */
    TRAIN,
    /** The next N images: they (and their FGSM copies) choose the magnitude. */
    HELD_OUT
  }

  /**
   * The outcome at one magnitude.
   *
   * @param magnitude the input perturbation magnitude
   * @param fit the regression trained at it (ID = 0, FGSM = 1)
   * @param heldOut the metrics of its {@code -P(OOD)} on the held-out images vs their FGSM copies
   */
  public record Trial(
      MahalanobisMagnitude magnitude, LogisticRegressionCv.Result fit, OodMetrics heldOut) {}

  /**
   * The tuning's outcome.
   *
   * @param trials one per magnitude, in grid order
   * @param chosen the index of the chosen trial
   * @param counts images of the training part, its FGSM copies, the held-out part, its copies
   */
  public record Result(List<Trial> trials, int chosen, int[] counts) {
    public Result {
      trials = List.copyOf(trials);
      counts = counts.clone();
    }

    /** The chosen trial: the lowest held-out FPR95, the first on ties. */
    public Trial best() {
      return trials.get(chosen);
    }

    @Override
    public int[] counts() {
      return counts.clone();
    }
  }

  private final List<MahalanobisMagnitude> grid;
  private final int layers;
  // [part * 2 + (adversarial ? 1 : 0)][magnitude] -> rows of per-layer scores
  private final List<List<List<double[]>>> rows = new ArrayList<>();

  /**
   * A tuning over {@code grid} for statistics of {@code layers} layers.
   *
   * @throws IllegalArgumentException when the grid is empty or repeats a magnitude
   */
  public MahalanobisTuning(List<MahalanobisMagnitude> grid, int layers) {
    if (grid.isEmpty() || grid.stream().distinct().count() != grid.size()) {
      throw new IllegalArgumentException(
          "the magnitude grid must name at least one magnitude, each once, but got " + grid);
    }
    if (layers < 1) {
      throw new IllegalArgumentException("expected at least one layer but got " + layers);
    }
    this.grid = List.copyOf(grid);
    this.layers = layers;
    for (int set = 0; set < 4; set++) {
      List<List<double[]>> perMagnitude = new ArrayList<>();
      for (int k = 0; k < grid.size(); k++) {
        perMagnitude.add(new ArrayList<>());
      }
      rows.add(perMagnitude);
    }
  }

  /** The magnitudes, in grid order. */
  public List<MahalanobisMagnitude> grid() {
    return grid;
  }

  /**
   * Adds the scores of one batch, as {@link MahalanobisGridScores#layerScores} returns them:
   * [magnitude][layer][image].
   *
   * @param adversarial whether the batch holds FGSM copies
   */
  public void add(Part part, boolean adversarial, double[][][] scores) {
    if (scores.length != grid.size()) {
      throw new IllegalArgumentException(
          "scores for " + scores.length + " magnitudes but the grid has " + grid.size());
    }
    List<List<double[]>> target = rows.get(part.ordinal() * 2 + (adversarial ? 1 : 0));
    for (int k = 0; k < scores.length; k++) {
      if (scores[k].length != layers) {
        throw new IllegalArgumentException(
            "scores of " + scores[k].length + " layers but the statistics have " + layers);
      }
      for (int i = 0; i < scores[k][0].length; i++) {
        double[] row = new double[layers];
        for (int l = 0; l < layers; l++) {
          // float32, as the reference's np.asarray(..., dtype=np.float32) and torch outputs
          row[l] = (float) scores[k][l][i];
        }
        target.get(k).add(row);
      }
    }
  }

  /**
   * Trains one regression per magnitude and chooses the magnitude.
   *
   * @throws IllegalArgumentException when a part has no images, an image lacks its FGSM copy, or
   *     the training part is smaller than the cross-validation's folds
   */
  public Result result() {
    int[] counts = new int[4];
    for (int s = 0; s < 4; s++) {
      counts[s] = rows.get(s).get(0).size();
    }
    LogisticRegressionCv cv = LogisticRegressionCv.sklearnDefaults();
    if (counts[0] != counts[1] || counts[2] != counts[3]) {
      throw new IllegalArgumentException(
          "every validation image needs its FGSM copy but got "
              + counts[0]
              + " training images and "
              + counts[1]
              + " copies, "
              + counts[2]
              + " held-out images and "
              + counts[3]
              + " copies");
    }
    if (counts[0] < cv.folds() || counts[2] < 1) {
      throw new IllegalArgumentException(
          "the tuning needs at least "
              + cv.folds()
              + " training images (the regression's "
              + cv.folds()
              + "-fold cross-validation) and 1 held-out image, but got "
              + counts[0]
              + " and "
              + counts[2]);
    }
    List<Trial> trials = new ArrayList<>();
    int chosen = 0;
    double bestFpr = 1.1; // the reference's start: any FPR beats it
    for (int k = 0; k < grid.size(); k++) {
      LogisticRegressionCv.Result fit = train(cv, rows.get(0).get(k), rows.get(1).get(k));
      OodMetrics heldOut =
          OodMetrics.compute(
              confidences(fit.model(), rows.get(2).get(k)),
              confidences(fit.model(), rows.get(3).get(k)),
              Convention.PAPER);
      trials.add(new Trial(grid.get(k), fit, heldOut));
      if (heldOut.fpr95() < bestFpr) {
        bestFpr = heldOut.fpr95();
        chosen = k;
      }
    }
    return new Result(trials, chosen, counts);
  }

  /** ID rows first (label 0), then the FGSM rows (label 1), as the reference stacks them. */
  private static LogisticRegressionCv.Result train(
      LogisticRegressionCv cv, List<double[]> id, List<double[]> adversarial) {
    int n = id.size() + adversarial.size();
    double[][] x = new double[n][];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = i < id.size() ? id.get(i) : adversarial.get(i - id.size());
      y[i] = i < id.size() ? 0 : 1;
    }
    return cv.fit(x, y);
  }

  /** {@code -P(OOD)} of every row: the reference's {@code -predict_proba(scores)[:, 1]}. */
  private static double[] confidences(LogisticModel model, List<double[]> scores) {
    double[] out = new double[scores.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = -model.probability(scores.get(i));
    }
    return out;
  }
}
