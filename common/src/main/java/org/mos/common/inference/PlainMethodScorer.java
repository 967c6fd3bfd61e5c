package org.mos.common.inference;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.OodScore;
import org.mos.common.score.ScoreMethod;

/**
 * A method that scores the plain pass's outputs as they are, through its {@link OodScore}: the
 * logits, and the penultimate features when the registry says it needs them ({@link
 * ScoreMethod.Need#FEATURES}).
 */
class PlainMethodScorer implements MethodScorer {

  private final ScoreMethod method;
  private final OodScore score;
  private final String id;

  PlainMethodScorer(ScoreMethod method, OodScore score) {
    this(method, score, method.id());
  }

  /** A scorer answering to {@code id} (a parameterised or combined id of {@code method}). */
  PlainMethodScorer(ScoreMethod method, OodScore score, String id) {
    this.method = method;
    this.score = score;
    this.id = id;
  }

  @Override
  public ScoreMethod method() {
    return method;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Set<String> outputs() {
    return method.needs(ScoreMethod.Need.FEATURES) ? Set.of(BundleModel.FEATURES) : Set.of();
  }

  @Override
  public boolean perturbs(ScoreRequest request) {
    return false;
  }

  @Override
  public void runPerturbed(ScoringPass pass) {}

  @Override
  public double[] score(ScoringPass pass, int part) {
    Map<String, FloatMatrix> rows = pass.plainRows(part);
    return score.score(
        new ModelOutputs(rows.get(BundleModel.LOGITS), rows.get(BundleModel.FEATURES), List.of()));
  }
}
