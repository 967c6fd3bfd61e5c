package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.io.Npy;
import org.mos.common.score.OdinSettings;
import org.mos.evaluator.cli.MosCommand;
import org.mos.evaluator.transport.PerturbationFixtures;
import picocli.CommandLine;

/**
 * {@code mos fit --odin-eps/--odin-temperature}: the settings stored in the new bundle, used by its
 * scorer and by {@code mos evaluate}, and calibration scores of ODIN on perturbed inputs, checked
 * against ODIN worked out in double precision on the linear synthetic bundle.
 */
class OdinFitTest {

  static final float[][] W = {{1, 0, 0}, {0, 2, 0}, {0, 0, -1}};
  static final float[] B = {0.5f, 0, 0.25f};
  static final List<int[]> ID =
      List.of(
          new int[] {255, 0, 51},
          new int[] {204, 102, 0},
          new int[] {0, 255, 51},
          new int[] {51, 204, 0},
          new int[] {0, 51, 255},
          new int[] {102, 102, 204});

  @TempDir Path dir;
  Path plain;
  Path gradients;
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  @BeforeEach
  void bundlesAndImages() throws IOException {
    plain = dir.resolve("plain");
    gradients = dir.resolve("gradients");
    SyntheticBundle b = new SyntheticBundle(4, List.of("x", "y", "z"), null, W, B, Map.of());
    b.writeTo(plain);
    b.writeTo(gradients, true);
    for (int i = 0; i < ID.size(); i++) {
      String cls = List.of("x", "y", "z").get(i / 2);
      PerturbationFixtures.solidPng(dir.resolve("id/" + cls + "/" + i + ".png"), ID.get(i));
    }
  }

  private int mos(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  /** {@code mos fit --bundle in --out out} with more arguments. */
  private int fit(Path in, Path out, String... more) {
    List<String> a =
        new ArrayList<>(List.of("fit", "--bundle", in.toString(), "--out", out.toString()));
    a.addAll(List.of(more));
    return mos(a.toArray(String[]::new));
  }

  /**
   * ODIN of a solid-colour image on the synthetic bundle: x = 2 rgb / 255 - 1, logits l = W x + b
   * (features are spatial means), gradient of CE(l / T, argmax l) with respect to each pixel of
   * channel c = sum_j (softmax(l / T)_j - [j = argmax]) / T W_jc / (S S), x' = x - eps sign (zero
   * counts as positive), score = max softmax(l(x') / T).
   */
  static double odin(int[] rgb, double eps, double t) {
    double[] x = new double[3];
    for (int c = 0; c < 3; c++) {
      x[c] = 2 * rgb[c] / 255.0 - 1;
    }
    double[] p = softmax(logits(x), t);
    int top = 0;
    for (int j = 1; j < 3; j++) {
      top = p[j] > p[top] ? j : top;
    }
    for (int c = 0; c < 3; c++) {
      double g = 0;
      for (int j = 0; j < 3; j++) {
        g += (p[j] - (j == top ? 1 : 0)) / t * W[j][c] / 16;
      }
      x[c] -= eps * (g >= 0 ? 1 : -1);
    }
    return Arrays.stream(softmax(logits(x), t)).max().orElseThrow();
  }

  private static double[] logits(double[] x) {
    double[] l = new double[3];
    for (int j = 0; j < 3; j++) {
      l[j] = B[j];
      for (int c = 0; c < 3; c++) {
        l[j] += W[j][c] * x[c];
      }
    }
    return l;
  }

  private static double[] softmax(double[] l, double t) {
    double max = Arrays.stream(l).max().orElseThrow();
    double[] e = Arrays.stream(l).map(v -> Math.exp((v - max) / t)).toArray();
    double sum = Arrays.stream(e).sum();
    return Arrays.stream(e).map(v -> v / sum).toArray();
  }

  @Test
  void storesTheSettingsAndCalibratesOdinOnThePerturbedInputs() throws IOException {
    Path fitted = dir.resolve("fitted");
    int code =
        fit(
            gradients,
            fitted,
            "--odin-eps",
            "0.05",
            "--odin-temperature",
            "2",
            "--calibrate",
            dir.resolve("id").toString(),
            "--calibrate-methods",
            "odin,msp");
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("odin = epsilon 0.05 (--odin-eps), temperature 2.0 (--odin-temperature)")
        .contains("mos fit: odin: epsilon 0.05, temperature 2")
        .contains("  odin: {epsilon=0.05, temperature=2.0}");

    try (ModelBundle b = ModelBundle.open(fitted)) {
      Map<String, Object> p = b.manifest().statistics().get("odin").parameters();
      assertThat(p).containsEntry("epsilon", 0.05).containsEntry("temperature", 2.0);
      ScoreRequest none = new ScoreRequest(List.of("odin"), 0.95, 0, false, false);
      assertThat(BundleScorer.of(b).odinSettings(none)).isEqualTo(new OdinSettings(0.05, 2));

      List<Double> want = new ArrayList<>();
      double moved = 0;
      for (int[] rgb : ID) {
        want.add(odin(rgb, 0.05, 2));
        moved = Math.max(moved, Math.abs(odin(rgb, 0.05, 2) - odin(rgb, 0, 2)));
      }
      assertThat(moved).as("the perturbation changes the scores").isGreaterThan(1e-3);
      double[] got = Npy.read(b.file("calibration_odin.npy")).values();
      double[] sortedWant = want.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double[] sortedGot = Arrays.stream(got).sorted().toArray();
      assertThat(sortedGot).hasSize(ID.size());
      for (int i = 0; i < sortedGot.length; i++) {
        assertThat(sortedGot[i]).isCloseTo(sortedWant[i], within(1e-6));
      }
    }

    // mos evaluate on the new bundle takes its settings when given none
    Path eval = dir.resolve("eval");
    assertThat(
            mos(
                "evaluate",
                "--id",
                dir.resolve("id").toString(),
                "--ood",
                "far=" + dir.resolve("id"),
                "--bundle",
                "b=" + fitted,
                "--methods",
                "odin",
                "--out",
                eval.toString()))
        .as(err.toString())
        .isZero();
    JsonNode odin =
        new ObjectMapper()
            .readTree(eval.resolve("results.json").toFile())
            .get("settings")
            .get("odin")
            .get("b");
    assertThat(odin.get("epsilon").asDouble()).isEqualTo(0.05);
    assertThat(odin.get("temperature").asDouble()).isEqualTo(2);
    assertThat(odin.get("from").asText()).isEqualTo("the bundle's statistics.odin");
  }

  @Test
  void oneSettingKeepsTheOtherAndDropsTheStaleOdinCalibration() throws IOException {
    Path first = dir.resolve("first");
    assertThat(
            fit(
                gradients,
                first,
                "--odin-eps",
                "0.05",
                "--calibrate",
                dir.resolve("id").toString(),
                "--calibrate-methods",
                "odin,msp"))
        .as(err.toString())
        .isZero();
    Path second = dir.resolve("second");
    assertThat(fit(first, second, "--odin-temperature", "5")).as(err.toString()).isZero();
    assertThat(err.toString()).contains("dropped the calibration scores of 'odin'");
    try (ModelBundle b = ModelBundle.open(second)) {
      assertThat(b.manifest().statistics().get("odin").parameters())
          .containsEntry("epsilon", 0.05)
          .containsEntry("temperature", 5.0);
      assertThat(b.manifest().statistics().get("calibration").files()).containsOnlyKeys("msp");
    }
  }

  @Test
  void refusesAPositiveEpsilonOnABundleWithoutGradientGraphsBeforeReadingImages() {
    Path fitted = dir.resolve("fitted");
    int code =
        fit(plain, fitted, "--odin-eps", "0.002", "--calibrate", dir.resolve("id").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("odin epsilon 0.002 > 0 needs a bundle with gradient graphs")
        .doesNotContain("calibration set");
    assertThat(fitted).doesNotExist();
    // epsilon 0 (a temperature alone) needs no gradient graph
    assertThat(fit(plain, fitted, "--odin-temperature", "10")).as(err.toString()).isZero();
  }

  @Test
  void refusesBadSettingsNamingTheValue() {
    Path fitted = dir.resolve("fitted");
    assertThat(fit(gradients, fitted, "--odin-eps", "-0.1")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--odin-eps is -0.1; expected a finite number of 0 or more");
    assertThat(fit(gradients, fitted, "--odin-temperature", "0")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--odin-temperature is 0.0; expected a finite number above 0");
    assertThat(fitted).doesNotExist();
  }
}
