package org.mos.common.inference;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.OodScore;
import org.mos.common.score.ScoreMethod;

/**
 * An activation-shaping method (alone or followed by a logit score, {@code mos+react}): reads the
 * plain pass's features, checks that the bundle's head explains its logits ({@link HeadCheck}), and
 * scores the shaped logits.
 */
final class ShapedMethodScorer implements MethodScorer {

  private final ScoreMethod shaping;
  private final String id;
  private final OodScore score;
  private final HeadCheck head;

  ShapedMethodScorer(ScoreMethod shaping, String id, OodScore score, HeadCheck head) {
    this.shaping = shaping;
    this.id = id;
    this.score = score;
    this.head = head;
  }

  @Override
  public ScoreMethod method() {
    return shaping;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Set<String> outputs() {
    return Set.of(BundleModel.FEATURES);
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
    FloatMatrix features = rows.get(BundleModel.FEATURES);
    FloatMatrix logits = rows.get(BundleModel.LOGITS);
    head.check(features, logits);
    return score.score(new ModelOutputs(logits, features, List.of()));
  }
}
