package org.mos.scorer.kserve;

import static org.mos.scorer.kserve.V2Inference.FEATURES;
import static org.mos.scorer.kserve.V2Inference.INPUT;
import static org.mos.scorer.kserve.V2Inference.LOGITS;
import static org.mos.scorer.kserve.V2Inference.PREDICTED_CLASS;

import java.util.ArrayList;
import java.util.List;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.ScoreRequest;
import org.mos.scorer.service.ImageInput;
import org.mos.scorer.service.LoadedModel;
import org.mos.scorer.service.ScoringProblem;
import org.mos.scorer.service.ScoringService;

/**
 * What a KServe v2 inference request asks of a model, checked against it: the images of its one
 * input, the score request (methods from parameter {@code methods} or from the method outputs
 * named, {@code tpr}, ODIN settings), and the outputs to answer with, in order (by default logits,
 * features when the bundle has them and the request does not name outputs, predicted_class and the
 * canonical ids of the methods scored).
 *
 * @param images the decoded images
 * @param scoreRequest what the scoring service computes
 * @param outputs the output names to answer with, in order
 * @param version the model version that answers
 */
record V2Plan(
    List<ImageInput> images, ScoreRequest scoreRequest, List<String> outputs, String version) {

  /**
   * Checks a request against its model and plans it.
   *
   * @param m the model, acquired by the caller for the duration of this call
   * @param service builds the score request (methods, tpr, ODIN settings)
   * @throws ScoringProblem 400 for a request the model cannot take
   */
  static V2Plan of(LoadedModel m, V2Request request, ScoringService service) {
    if (request.inputs().size() != 1) {
      throw ScoringProblem.badRequest(
          "the request has "
              + request.inputs().size()
              + " inputs; model '"
              + m.name()
              + "' takes one, named '"
              + INPUT
              + "'");
    }
    V2Input input = request.inputs().get(0);
    if (!INPUT.equals(input.name())) {
      throw ScoringProblem.badRequest(
          "the request's input is named '"
              + input.name()
              + "'; model '"
              + m.name()
              + "' takes one input named '"
              + INPUT
              + "'");
    }
    List<ImageInput> images = V2Tensors.images(m, input);
    boolean hasFeatures = m.model().outputNames().contains(BundleModel.FEATURES);
    List<String> methods = m.scorer().methods();
    List<String> known = new ArrayList<>(List.of(LOGITS));
    if (hasFeatures) {
      known.add(FEATURES);
    }
    known.add(PREDICTED_CLASS);
    known.addAll(methods);
    List<String> outputs = new ArrayList<>();
    for (V2Request.RequestedOutput o : request.outputs()) {
      if (!known.contains(o.name()) && !isDerivedMethod(m, o.name())) {
        throw ScoringProblem.badRequest(
            "unknown output '" + o.name() + "'; model '" + m.name() + "' has " + known);
      }
      outputs.add(o.name());
    }
    V2Parameters p = request.parameters();
    String methodsParameter = p.string("methods");
    List<String> asked;
    if (methodsParameter != null) {
      asked = List.of(methodsParameter);
    } else {
      // the methods named as outputs, so that only those are computed
      asked = outputs.stream().filter(o -> methods.contains(o) || isDerivedMethod(m, o)).toList();
    }
    boolean features = hasFeatures && (outputs.isEmpty() || outputs.contains(FEATURES));
    ScoreRequest scoreRequest =
        service.withOdin(
            service.request(
                asked, features ? List.of(LOGITS, FEATURES) : List.of(LOGITS), tpr(p), null),
            p.number("odin.eps"),
            p.number("odin.T"));
    for (String name : outputs) {
      if ((methods.contains(name) || isDerivedMethod(m, name))
          && !scoreRequest.methods().isEmpty()
          && !scoreRequest.methods().contains(name)) {
        throw ScoringProblem.badRequest(
            "output '"
                + name
                + "' was asked for but parameter 'methods' ("
                + methodsParameter
                + ") does not name it");
      }
    }
    if (outputs.isEmpty()) {
      outputs.add(LOGITS);
      if (features) {
        outputs.add(FEATURES);
      }
      outputs.add(PREDICTED_CLASS);
      // the canonical ids scored: combined and parameterised methods (mos+react, knn@k=5) too
      try {
        outputs.addAll(m.scorer().resolveMethods(scoreRequest));
      } catch (IllegalArgumentException e) {
        throw ScoringProblem.badRequest(e.getMessage());
      }
    }
    return new V2Plan(images, scoreRequest, outputs, V2Inference.version(m));
  }

  /**
   * Whether {@code name} is a combined or parameterised method id of the model in its canonical
   * spelling ({@code mos+react}, {@code knn@k=5}), which may name an output as registry ids do.
   */
  private static boolean isDerivedMethod(LoadedModel m, String name) {
    try {
      return m.scorer().methodScorer(name).id().equals(name);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Double tpr(V2Parameters p) {
    return p.number("tpr");
  }
}
