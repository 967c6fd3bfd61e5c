package org.mos.common.inference;

import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.OdinScore;
import org.mos.common.score.OdinSettings;
import org.mos.common.score.ScoreMethod;

/**
 * ODIN as a bundle scores it: max softmax(logits / T) with each request's temperature, on the plain
 * logits when epsilon is 0 and on the logits of the perturbed input {@code x' = x - epsilon *
 * sign(gradient)} when it is above 0 ({@link OdinSettings}). The gradient comes from the bundle's
 * ODIN gradient graph (one pass for the plain outputs and the gradient) when it has one, else from
 * a forward, the cotangent {@link OdinSettings#cotangent} and the VJP graph; then one forward of
 * the perturbed batch. In a pass shared by several requests, rows of requests that do not perturb
 * keep their input (the perturbed forward runs for the whole batch once).
 */
final class OdinMethodScorer implements MethodScorer {

  private final Function<ScoreRequest, OdinSettings> settings;
  private final boolean gradients;

  /**
   * @param settings ODIN's settings for a request (its own, else the bundle's)
   * @param gradients whether the bundle has gradient graphs
   */
  OdinMethodScorer(Function<ScoreRequest, OdinSettings> settings, boolean gradients) {
    this.settings = settings;
    this.gradients = gradients;
  }

  @Override
  public ScoreMethod method() {
    return ScoreMethod.ODIN;
  }

  @Override
  public Set<String> outputs() {
    return Set.of();
  }

  @Override
  public boolean perturbs(ScoreRequest request) {
    OdinSettings s = settings.apply(request);
    if (!s.perturbs()) {
      return false;
    }
    if (!gradients) {
      throw new IllegalArgumentException(
          "odin with epsilon "
              + s.epsilon()
              + " perturbs the input, but this model has no gradient graphs; re-export it, or"
              + " use epsilon 0");
    }
    return true;
  }

  @Override
  public void runPerturbed(ScoringPass pass) {
    int count = pass.count();
    OdinSettings[] perRow = new OdinSettings[count];
    boolean any = false;
    for (int p = 0; p < pass.parts().size(); p++) {
      ScoreRequest request = pass.parts().get(p).request();
      boolean perturbs = pass.asks(p, this) && perturbs(request);
      any |= perturbs;
      OdinSettings s = perturbs ? settings.apply(request) : OdinSettings.PAPER_DEFAULT;
      for (int r = 0; r < pass.parts().get(p).rows(); r++) {
        perRow[pass.start(p) + r] = s;
      }
    }
    if (!any) {
      return;
    }
    BundleModel model = pass.model();
    if (model == null) {
      throw new IllegalArgumentException(
          "odin with epsilon "
              + firstEpsilon(perRow)
              + " scores perturbed inputs and needs the model: score the images with"
              + " BundleScorer.score(model, batch, count, request), not precomputed outputs");
    }
    float[] gradient;
    if (model.hasOdinGradientGraph()) {
      float[] temperatures = new float[count];
      for (int r = 0; r < count; r++) {
        temperatures[r] = (float) perRow[r].temperature();
      }
      // the graph recomputes the forward: take the plain outputs from it unless they are there
      Set<String> wanted =
          pass.hasPlainOutputs() ? Set.of(BundleModel.LOGITS) : pass.requiredOutputs();
      BundleModel.GradientRun run = model.odinGradient(pass.batch(), count, temperatures, wanted);
      pass.offerPlainOutputs(run.outputs());
      gradient = run.gradient();
    } else {
      FloatMatrix logits = pass.plainOutputs().get(BundleModel.LOGITS);
      float[] cotangent = new float[count * logits.cols()];
      for (int r = 0; r < count; r++) {
        float[] v = perRow[r].cotangent(logits.row(r));
        System.arraycopy(v, 0, cotangent, r * v.length, v.length);
      }
      gradient = model.inputGradient(pass.batch(), count, cotangent);
    }
    float[] x = pass.inputValues();
    int per = x.length / count;
    for (int r = 0; r < count; r++) {
      OdinSettings s = perRow[r];
      if (s.perturbs()) {
        for (int i = r * per; i < (r + 1) * per; i++) {
          x[i] = s.perturb(x[i], gradient[i]);
        }
      }
    }
    InputBatch moved = model.newInputBatch(count);
    moved.copyFrom(x, count);
    pass.keep(this, model.run(moved, count, List.of(BundleModel.LOGITS)).get(BundleModel.LOGITS));
  }

  private static double firstEpsilon(OdinSettings[] perRow) {
    for (OdinSettings s : perRow) {
      if (s.perturbs()) {
        return s.epsilon();
      }
    }
    return 0;
  }

  @Override
  public double[] score(ScoringPass pass, int part) {
    ScoreRequest request = pass.parts().get(part).request();
    FloatMatrix logits =
        perturbs(request)
            ? ScoringPass.rows(
                pass.kept(this, FloatMatrix.class), pass.start(part), pass.parts().get(part).rows())
            : pass.plainRows(part).get(BundleModel.LOGITS);
    return new OdinScore(settings.apply(request).temperature()).score(logits);
  }
}
