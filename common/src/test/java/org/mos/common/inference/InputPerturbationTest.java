package org.mos.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.OdinSettings;

/**
 * ODIN's input perturbation through BundleScorer (its ODIN method scorer) and BundleModel on the
 * synthetic linear bundle, whose gradient is worked by hand: features f = per-channel means of x,
 * logits l = W f + b, so d l_k / d x_{c,h,w} = W_kc / (H W) and x' shifts every pixel of channel c
 * by -eps sign(sum_k v_k W_kc).
 */
class InputPerturbationTest {

  private static final int SIDE = 4;

  @TempDir Path tmp;

  /** Two classes: W = [[1, 0, -1], [0.5, 2, 0]], b = (0, 0.1). */
  private static SyntheticBundle twoClasses() {
    return new SyntheticBundle(
        SIDE,
        List.of("a", "b"),
        null,
        new float[][] {{1, 0, -1}, {0.5f, 2, 0}},
        new float[] {0, 0.1f},
        Map.of());
  }

  /** Channels constant at (0.2, -0.4, 0.6): f = (0.2, -0.4, 0.6), l = (-0.4, -0.6). */
  private static float[] image() {
    float[] x = new float[3 * SIDE * SIDE];
    float[] channel = {0.2f, -0.4f, 0.6f};
    for (int i = 0; i < x.length; i++) {
      x[i] = channel[i / (SIDE * SIDE)];
    }
    return x;
  }

  /** A request for ODIN alone at {@code epsilon} and {@code temperature}, without extras. */
  private static ScoreRequest odinOnly(double epsilon, double temperature) {
    return new ScoreRequest(
        List.of("odin"), 0.95, 0, false, false, new OdinSettings(epsilon, temperature));
  }

  /** What a test does with the bundle's scorer, its model and a batch holding {@link #image()}. */
  @FunctionalInterface
  private interface OnImages {
    void run(BundleScorer scorer, BundleModel model, InputBatch batch) throws Exception;
  }

  /**
   * Opens the bundle written at {@code dir}, its scorer and model, fills the first {@code images}
   * rows of a batch of {@code capacity} rows with {@link #image()} and hands them to {@code test}.
   */
  private static void onImages(Path dir, int capacity, int images, OnImages test) throws Exception {
    try (ModelBundle bundle = ModelBundle.open(dir);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      InputBatch batch = model.newInputBatch(capacity);
      for (int i = 0; i < images; i++) {
        batch.put(i, image());
      }
      test.run(BundleScorer.of(bundle), model, batch);
    }
  }

  /** {@link #onImages} with a batch of one row holding {@link #image()}. */
  private static void onOneImage(Path dir, OnImages test) throws Exception {
    onImages(dir, 1, 1, test);
  }

  /** {@link #twoClasses()} written with its gradient graphs. */
  private Path gradientBundle() throws Exception {
    Path dir = tmp.resolve("b");
    twoClasses().writeTo(dir, true);
    return dir;
  }

  @Test
  void perturbedLogitsAndOdinScoreMatchTheHandWorkedExample() throws Exception {
    onImages(
        gradientBundle(),
        2,
        1,
        (scorer, model, batch) -> {
          OdinSettings odin = new OdinSettings(0.1, 1);
          ScoreRequest request =
              new ScoreRequest(List.of("odin", "msp"), 0.95, 0, true, false, odin);
          assertThat(model.supportsInputPerturbation()).isTrue();
          assertThat(scorer.perturbedMethods(request)).containsExactly("odin");
          ScoringPass pass = scorer.run(model, batch, List.of(new ScoringPass.Part(request, 1)));
          // predicted class 0; p = softmax(-0.4, -0.6) = (0.549834, 0.450166); v = p - onehot(0);
          // sum_k v_k W_kc = (-0.225083, 0.900332, 0.450166) -> signs (-, +, +);
          // f' = (0.2 + 0.1, -0.4 - 0.1, 0.6 - 0.1); l' = (0.3 - 0.5, 0.15 - 1.0 + 0.1)
          assertThat(pass.kept(scorer.methodScorer("odin"), FloatMatrix.class).row(0))
              .containsExactly(new float[] {-0.2f, -0.75f}, within(1e-6f));
          assertThat(pass.plainOutputs().get(BundleModel.LOGITS).row(0))
              .containsExactly(new float[] {-0.4f, -0.6f}, within(1e-6f));
          ImageResult result = pass.score(0).images().get(0);
          // max softmax(-0.2, -0.75) = 1 / (1 + e^-0.55); MSP stays on the plain logits
          assertThat(result.scores().get("odin")).isCloseTo(0.6341356, within(1e-6));
          assertThat(result.scores().get("msp")).isCloseTo(0.5498340, within(1e-6));
        });
  }

  @Test
  void aPassSharedByTwoRequestsPerturbsOnlyTheRowsOfTheRequestThatAsks() throws Exception {
    onImages(
        gradientBundle(),
        3,
        3,
        (scorer, model, batch) -> {
          ScoreRequest perturbed = odinOnly(0.1, 1);
          ScoreRequest plain = perturbed.withOdin(new OdinSettings(0, 1));
          ScoringPass pass =
              scorer.run(
                  model,
                  batch,
                  List.of(new ScoringPass.Part(plain, 1), new ScoringPass.Part(perturbed, 2)));
          // the plain row: max softmax(-0.4, -0.6) = 1 / (1 + e^-0.2); the perturbed rows as in the
          // hand-worked example above: max softmax(-0.2, -0.75) = 1 / (1 + e^-0.55)
          assertThat(pass.scores(0, "odin"))
              .containsExactly(new double[] {0.5498340}, within(1e-6));
          assertThat(pass.scores(1, "odin"))
              .containsExactly(new double[] {0.6341356, 0.6341356}, within(1e-6));
          assertThat(pass.score(1).images()).hasSize(2);
        });
  }

  @Test
  void precomputedOutputsCannotScorePerturbedInputs() throws Exception {
    onOneImage(
        gradientBundle(),
        (scorer, model, batch) -> {
          ScoreRequest request = odinOnly(0.1, 1);
          Map<String, FloatMatrix> outputs = model.run(batch, 1, scorer.requiredOutputs(request));
          assertThatThrownBy(() -> scorer.score(outputs, request))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("epsilon 0.1")
              .hasMessageContaining("needs the model");
        });
  }

  @Test
  void inputGradientSpreadsTheCotangentTimesWOverThePixels() throws Exception {
    onOneImage(
        gradientBundle(),
        (scorer, model, batch) -> {
          float[] g = model.inputGradient(batch, 1, new float[] {1, -2});
          // (1, -2) W = (1 - 1, -4, -1), over 16 pixels
          int n = SIDE * SIDE;
          assertThat(g).hasSize(3 * n);
          assertThat(g[0]).isEqualTo(0f);
          assertThat(g[n + 5]).isCloseTo(-4f / n, within(1e-7f));
          assertThat(g[2 * n + n - 1]).isCloseTo(-1f / n, within(1e-7f));
        });
  }

  @Test
  void epsilonZeroNeedsNoGradientButEpsilonAboveZeroDoes() throws Exception {
    Path dir = tmp.resolve("plain");
    twoClasses().writeTo(dir);
    try (ModelBundle bundle = ModelBundle.open(dir)) {
      BundleScorer scorer = BundleScorer.of(bundle);
      ScoreRequest temperatureOnly = odinOnly(0, 2);
      assertThat(scorer.perturbedMethods(temperatureOnly)).isEmpty();
      ScoreRequest perturbed = temperatureOnly.withOdin(new OdinSettings(0.002, 1000));
      assertThatThrownBy(() -> scorer.perturbedMethods(perturbed))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("epsilon 0.002")
          .hasMessageContaining("no gradient graphs");
      // a request without odin does not perturb whatever the settings
      assertThat(scorer.perturbedMethods(perturbed.withOdin(null))).isEmpty();
      ScoreRequest mspOnly =
          new ScoreRequest(List.of("msp"), 0.95, 0, false, false, new OdinSettings(0.1, 1));
      assertThat(scorer.perturbedMethods(mspOnly)).isEmpty();
    }
  }

  @Test
  void temperatureOfTheRequestAppliesWithoutPerturbation() throws Exception {
    Path dir = tmp.resolve("plain");
    twoClasses().writeTo(dir);
    onOneImage(
        dir,
        (scorer, model, batch) -> {
          ScoreRequest request = odinOnly(0, 2);
          // max softmax((-0.4, -0.6) / 2) = 1 / (1 + e^-0.1)
          assertThat(scorer.score(model, batch, 1, request).images().get(0).scores().get("odin"))
              .isCloseTo(0.5249792, within(1e-6));
        });
  }

  @Test
  void layerGradientsPullBlock1BackThroughItsReluAndAddTheLogitsShare() throws Exception {
    Path dir = tmp.resolve("layers");
    twoClasses().writeWithLayerGradients(dir);
    onOneImage(
        dir,
        (scorer, model, batch) -> {
          // block1 = mean relu(x): d/dx = c / 16 where x > 0, else 0; x = (0.2, -0.4, 0.6) per
          // channel
          float[] block1 = model.inputGradient(batch, 1, Map.of("block1", new float[] {1, 2, -4}));
          // logits cotangent (1, 0) adds W_0c / 16 = (1, 0, -1) / 16 on every pixel of channel c
          float[] both =
              model.inputGradient(
                  batch,
                  1,
                  Map.of("block1", new float[] {1, 2, -4}, BundleModel.LOGITS, new float[] {1, 0}));
          int pixels = SIDE * SIDE;
          for (int i = 0; i < block1.length; i++) {
            float want = new float[] {1f / 16, 0, -4f / 16}[i / pixels];
            assertThat(block1[i]).as("pixel %d", i).isCloseTo(want, within(1e-7f));
            float logits = new float[] {1f / 16, 0, -1f / 16}[i / pixels];
            assertThat(both[i]).isCloseTo(want + logits, within(1e-7f));
          }
        });
  }
}
