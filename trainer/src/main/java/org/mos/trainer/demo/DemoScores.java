package org.mos.trainer.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.layout.GroupLayout;
import org.mos.common.score.Batch;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.KlLabelSource;
import org.mos.common.score.MahalanobisLayer;
import org.mos.common.score.MahalanobisScore;
import org.mos.common.score.MahalanobisStatistics;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.ScoreMethod;
import org.mos.common.score.ScoreSettings;

/**
 * The demo's OOD scores: MOS from the group-softmax model, the baselines from the flat model, with
 * their statistics fitted on ID data only (KL class means on the validation set by true labels, as
 * the paper's script; Mahalanobis class means and tied precision on the training set).
 */
final class DemoScores {

  /** Row labels of the results table, in the paper's order. */
  static final List<String> METHODS =
      List.of("MSP", "ODIN", "Mahalanobis", "Energy", "KL matching", "MaxLogit", "MOS");

  private final GroupLayout layout;
  private final KlClassMeans klMeans;
  private final MahalanobisScore mahalanobis;

  DemoScores(
      GroupLayout layout,
      ModelOutputsCollector.Outputs flatTrain,
      int[] trainLabels,
      ModelOutputsCollector.Outputs flatVal,
      int[] valLabels) {
    this.layout = layout;
    this.klMeans = KlClassMeans.fit(flatVal.logits(), valLabels, KlLabelSource.TRUE_LABELS);
    // One layer (the pooled features before the head) with weight -1: the combiner of the
    // per-layer scores needs FGSM-perturbed inputs, which the demo does not make yet.
    MahalanobisLayer layer = MahalanobisLayer.fit(flatTrain.features(), trainLabels);
    this.mahalanobis =
        new MahalanobisScore(new MahalanobisStatistics(List.of(layer), new double[] {-1}, 0));
  }

  /** Every method's score of every image of one set, keyed by the table's row labels. */
  Map<String, double[]> score(
      ModelOutputsCollector.Outputs flat, ModelOutputsCollector.Outputs group) {
    Map<String, double[]> out = new LinkedHashMap<>();
    ModelOutputs logits = ModelOutputs.ofLogits(flat.logits());
    ScoreSettings none = ScoreSettings.none();
    out.put("MSP", ScoreMethod.MSP.create(none).score(logits));
    out.put("ODIN", ScoreMethod.ODIN.create(none).score(logits));
    // The layer score itself (larger = closer to a class mean), not -sigmoid of it, which
    // saturates to ties in double precision for far-away inputs.
    out.put("Mahalanobis", mahalanobis.perLayerScores(List.<Batch>of(flat.features()))[0]);
    out.put("Energy", ScoreMethod.ENERGY.create(none).score(logits));
    out.put(
        "KL matching",
        ScoreMethod.KL.create(ScoreSettings.builder().klMeans(klMeans).build()).score(logits));
    out.put("MaxLogit", ScoreMethod.MAXLOGIT.create(none).score(logits));
    out.put(
        "MOS",
        ScoreMethod.MOS
            .create(ScoreSettings.builder().layout(layout).build())
            .score(ModelOutputs.ofLogits(group.logits())));
    return out;
  }
}
