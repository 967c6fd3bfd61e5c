package org.mos.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.inference.ScoringPass;
import org.mos.common.io.Npy;
import org.mos.common.layout.GroupLayout;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.OdinSettings;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.FormulaWeights;

/**
 * ODIN with input perturbation end to end: a bundle exported from formula weights, run by
 * BundleModel (ODIN gradient graph, perturbation, second forward) and scored by BundleScorer,
 * against the float64 PyTorch reference of make_odin_fixtures.py, which follows the MOS paper's
 * script (perturbation of the normalised input, torch.ge for the sign).
 */
class OdinPerturbationParityTest {

  private static final int[] SMALL = {2, 1, 1, 2};
  private static final int CLASSES = 7;
  private static final int BATCH = 3;
  private static final int SIZE = 40;

  @TempDir Path dir;

  @Test
  void perturbedScoresAndLogitsMatchThePyTorchReference() throws Exception {
    try (ModelBundle bundle = ModelBundle.open(exportBundle());
        BundleModel model =
            BundleModel.open(bundle, InferenceOptions.cpu().withIntraOpThreads(1))) {
      BundleScorer scorer = BundleScorer.of(bundle);
      InputBatch batch = formulaInput(model);
      FloatMatrix plain =
          model.run(batch, BATCH, List.of(BundleModel.LOGITS)).get(BundleModel.LOGITS);
      for (double[] c : new double[][] {{0.0014, 1000}, {0.01, 1000}, {0.002, 1}}) {
        OdinSettings odin = new OdinSettings(c[0], c[1]);
        ScoreRequest request = new ScoreRequest(List.of("odin"), 0.95, 0, false, false, odin);
        assertThat(scorer.perturbedMethods(request)).containsExactly("odin");
        assertThat(scorer.odinSettings(request)).isEqualTo(odin);
        ScoringPass pass = scorer.run(model, batch, List.of(new ScoringPass.Part(request, BATCH)));
        String name = String.format("e%s_t%s", strip(c[0]), strip(c[1]));
        float[] wantLogits = fixture(name + "_logits");
        float[] gotLogits = pass.kept(scorer.methodScorer("odin"), FloatMatrix.class).toArray();
        VjpExporterTest.assertRelativelyClose(name + " logits", gotLogits, wantLogits, 1e-4);
        assertPerturbationMoved(name, plain.toArray(), wantLogits);
        ScoredBatch scored = pass.score(0);
        float[] wantScores = fixture(name + "_scores");
        for (int i = 0; i < BATCH; i++) {
          double got = scored.images().get(i).scores().get("odin");
          // at T = 1000 every score is near 1/7: hold them to far less than their spread
          double tolerance = c[1] > 1 ? 1e-7 : 1e-4;
          assertThat(Math.abs(got - wantScores[i]))
              .as("%s score %d: ours %s, PyTorch %s", name, i, got, wantScores[i])
              .isLessThanOrEqualTo(tolerance);
        }
      }
    }
  }

  @Test
  void vjpGraphPullsTheOdinCotangentBackToTheReferenceGradient() throws Exception {
    try (ModelBundle bundle = ModelBundle.open(exportBundle());
        BundleModel model =
            BundleModel.open(bundle, InferenceOptions.cpu().withIntraOpThreads(1))) {
      InputBatch batch = formulaInput(model);
      FloatMatrix logits =
          model.run(batch, BATCH, List.of(BundleModel.LOGITS)).get(BundleModel.LOGITS);
      OdinSettings odin = new OdinSettings(0.0014, 1000);
      float[] cotangent = new float[BATCH * CLASSES];
      for (int r = 0; r < BATCH; r++) {
        System.arraycopy(odin.cotangent(logits.row(r)), 0, cotangent, r * CLASSES, CLASSES);
      }
      float[] gradient = model.inputGradient(batch, BATCH, cotangent);
      VjpExporterTest.assertRelativelyClose("gradient", gradient, fixture("gradient_t1000"), 1e-4);
    }
  }

  @Test
  void bundleListsItsGradientGraphsUnlessToldToLeaveThemOut() throws Exception {
    try (ModelBundle bundle = ModelBundle.open(exportBundle(true))) {
      assertThat(bundle.manifest().statistics().get(GradientGraphs.STATISTICS_KEY).files())
          .containsEntry(GradientGraphs.LOGITS, "vjp_logits.onnx")
          .containsEntry(GradientGraphs.ODIN, "odin_gradient.onnx");
      assertThat(bundle.manifest().checksums())
          .containsKeys("model.onnx", "vjp_logits.onnx", "odin_gradient.onnx");
    }
    try (ModelBundle bundle = ModelBundle.open(exportBundle(false));
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      assertThat(bundle.manifest().statistics()).doesNotContainKey(GradientGraphs.STATISTICS_KEY);
      assertThat(bundle.manifest().checksums()).doesNotContainKeys("vjp_logits.onnx");
      assertThat(model.supportsInputPerturbation()).isFalse();
    }
  }

  private static void assertPerturbationMoved(String name, float[] plain, float[] perturbed) {
    double moved = 0;
    for (int i = 0; i < plain.length; i++) {
      moved = Math.max(moved, Math.abs(plain[i] - perturbed[i]));
    }
    assertThat(moved).as("%s: the perturbation changes the logits", name).isGreaterThan(1e-3);
  }

  private static String strip(double v) {
    String s = Double.toString(v);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }

  private Path exportBundle() throws Exception {
    return exportBundle(true);
  }

  private Path exportBundle(boolean gradientGraphs) throws Exception {
    return exportSmallBundle(dir, gradientGraphs);
  }

  /** The small formula-weight network as a bundle in {@code dir}, with or without VJP graphs. */
  static Path exportSmallBundle(Path dir, boolean gradientGraphs) throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 net = FormulaWeights.model(manager, dir.resolve("w.npz"), SMALL, 32, CLASSES);
      WeightMap weights = WeightMap.of(net);
      Path out = dir.resolve(gradientGraphs ? "bundle" : "plain");
      new BundleExport(
              "small",
              ResNetV2Spec.inferFrom(weights),
              weights,
              GroupLayout.flat(CLASSES),
              SIZE,
              Map.of("source", "formula weights"))
          .write(out, false, true, gradientGraphs);
      return out;
    }
  }

  /** What a parity test does with the small bundle's model. */
  @FunctionalInterface
  interface OnModel {
    void run(BundleModel model) throws Exception;
  }

  /** Exports the small bundle with its VJP graphs into {@code dir}, opens it on one thread. */
  static void onSmallModel(Path dir, OnModel test) throws Exception {
    try (ModelBundle bundle = ModelBundle.open(exportSmallBundle(dir, true));
        BundleModel model =
            BundleModel.open(bundle, InferenceOptions.cpu().withIntraOpThreads(1))) {
      test.run(model);
    }
  }

  /** formula('input', (3, 3, 40, 40)), the fixtures' normalised input. */
  static InputBatch formulaInput(BundleModel model) {
    InputBatch batch = model.newInputBatch(BATCH);
    int per = 3 * SIZE * SIZE;
    float[] all = FormulaWeights.values("input", BATCH * per);
    for (int i = 0; i < BATCH; i++) {
      batch.put(i, java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per));
    }
    return batch;
  }

  private static float[] fixture(String name) throws Exception {
    String path = "/fixtures/odin/" + name + ".npy";
    try (InputStream in = OdinPerturbationParityTest.class.getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      return Npy.read(in).toFloats();
    }
  }
}
