package org.mos.common.inference;

import java.util.Set;
import org.mos.common.score.ScoreMethod;

/**
 * One method as a {@link BundleScorer} runs it over a {@link ScoringPass}: which graph outputs it
 * reads, whether a request makes it perturb the input, the model passes it runs on perturbed
 * inputs, and its scores. Most methods only read the plain pass's outputs ({@link
 * PlainMethodScorer} runs any {@link org.mos.common.score.OodScore}); ODIN with epsilon above 0 and
 * Mahalanobis fitted with a magnitude above 0 also run the model on perturbed inputs ({@link
 * OdinMethodScorer}, {@link MahalanobisMethodScorer}). The scorer asks every method the same
 * questions; none is special-cased.
 */
public interface MethodScorer {

  /**
   * The registry entry of the method (for a combination such as {@code mos+react}: the shaping).
   */
  ScoreMethod method();

  /**
   * The canonical method id this scorer answers to ({@link org.mos.common.score.MethodId#id()}):
   * the registry id, or a combination or parameterised id such as {@code mos+ash-s@p=85}.
   */
  default String id() {
    return method().id();
  }

  /** The graph outputs, besides the logits, that the plain pass must return for this method. */
  Set<String> outputs();

  /**
   * Whether rows scored under {@code request} are scored on perturbed inputs.
   *
   * @throws IllegalArgumentException when they would be but the bundle cannot do it (no gradient
   *     graphs), naming the setting
   */
  boolean perturbs(ScoreRequest request);

  /**
   * Runs the model passes on perturbed inputs that the parts of {@code pass} asking for this method
   * need, once for the whole batch, and keeps what they give in the pass ({@link
   * ScoringPass#keep}). Does nothing when no part perturbs. Called at most once per pass, before
   * {@link #score} of any part.
   */
  void runPerturbed(ScoringPass pass);

  /** The scores of the rows of part {@code part} of {@code pass}, under that part's request. */
  double[] score(ScoringPass pass, int part);
}
