package org.mos.common.inference;

import java.util.Set;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.OodScore;
import org.mos.common.score.ScoreMethod;

/** A method that scores the plain pass's logits as they are, through its {@link OodScore}. */
final class PlainMethodScorer implements MethodScorer {

  private final ScoreMethod method;
  private final OodScore score;

  PlainMethodScorer(ScoreMethod method, OodScore score) {
    this.method = method;
    this.score = score;
  }

  @Override
  public ScoreMethod method() {
    return method;
  }

  @Override
  public Set<String> outputs() {
    return Set.of();
  }

  @Override
  public boolean perturbs(ScoreRequest request) {
    return false;
  }

  @Override
  public void runPerturbed(ScoringPass pass) {}

  @Override
  public double[] score(ScoringPass pass, int part) {
    return score.score(ModelOutputs.ofLogits(pass.plainRows(part).get(BundleModel.LOGITS)));
  }
}
