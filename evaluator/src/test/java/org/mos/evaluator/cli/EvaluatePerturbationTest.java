package org.mos.evaluator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.evaluator.transport.PerturbationFixtures;
import picocli.CommandLine;

/**
 * {@code mos evaluate} with input perturbation, in process: ODIN's options, what the report says
 * about them, the score store keeping scores of other ODIN settings apart, bad options, and {@code
 * mos fit --mahalanobis-magnitude} followed by {@code mos evaluate} (the scores checked against the
 * double-precision computation of {@link PerturbationFixtures} with the fitted statistics).
 */
class EvaluatePerturbationTest {

  /** Solid colours (bundle classes x, y, z): f = relu(2 rgb / 255 - 1) on block1. */
  static final Map<String, int[]> ID =
      Map.of(
          "x/1.png", new int[] {255, 0, 51},
          "x/2.png", new int[] {204, 51, 102},
          "y/1.png", new int[] {0, 255, 102},
          "y/2.png", new int[] {51, 204, 0},
          "z/1.png", new int[] {0, 51, 255},
          "z/2.png", new int[] {102, 102, 204});

  static final Map<String, int[]> OOD =
      Map.of(
          "a.png", new int[] {153, 153, 153},
          "b.png", new int[] {204, 204, 0},
          "c.png", new int[] {255, 255, 255});

  @TempDir Path dir;
  Path bundle;
  StringWriter err = new StringWriter();

  @BeforeEach
  void bundleAndImages() throws IOException {
    bundle = PerturbationFixtures.bundle(dir);
    for (var e : ID.entrySet()) {
      PerturbationFixtures.solidPng(dir.resolve("id").resolve(e.getKey()), e.getValue());
    }
    for (var e : OOD.entrySet()) {
      PerturbationFixtures.solidPng(dir.resolve("ood").resolve(e.getKey()), e.getValue());
    }
  }

  private int mos(String... args) {
    err.getBuffer().setLength(0);
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  private int evaluate(Path model, Path out, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "evaluate",
                "--id",
                dir.resolve("id").toString(),
                "--ood",
                "far=" + dir.resolve("ood"),
                "--bundle",
                "b=" + model,
                "--out",
                out.toString(),
                "--batch-size",
                "4",
                "--threads",
                "2"));
    a.addAll(List.of(extra));
    return mos(a.toArray(String[]::new));
  }

  @Test
  void statesTheOdinSettingsAndReusesStoredOdinScoresOnlyForTheSameSettings() throws IOException {
    Path out = dir.resolve("out");
    String[] settings = {"--methods", "odin,msp", "--odin-eps", "0.05", "--odin-temperature", "2"};
    assertThat(evaluate(bundle, out, settings)).as(err.toString()).isZero();
    JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertThat(results.get("methods").get(1).get("label").asText())
        .isEqualTo("ODIN (eps 0.05, T 2)");
    JsonNode odin = results.get("settings").get("odin").get("b");
    assertThat(odin.get("epsilon").asDouble()).isEqualTo(0.05);
    assertThat(odin.get("temperature").asDouble()).isEqualTo(2);
    assertThat(odin.get("from").asText()).isEqualTo("--odin-eps, --odin-temperature");
    assertThat(Files.readString(out.resolve("results.md")))
        .contains("| ODIN (eps 0.05, T 2) |")
        .contains("\"epsilon\":0.05");

    // the same settings again: everything is stored
    assertThat(evaluate(bundle, out, settings)).isZero();
    assertThat(err.toString()).contains("bundle b: 0 of 9 images to score");
    // other settings: ODIN is scored again (msp is not), and both settings' scores are kept
    assertThat(evaluate(bundle, out, "--methods", "odin,msp", "--odin-temperature", "2")).isZero();
    assertThat(err.toString()).contains("bundle b: 9 of 9 images to score (msp, odin)");
    Map<String, Map<String, Double>> stored = PerturbationFixtures.storedScores(out);
    assertThat(stored).hasSize(9);
    double moved = 0;
    for (Map<String, Double> s : stored.values()) {
      assertThat(s).containsKeys("msp", "odin@eps0.05@T2.0", "odin@eps0.0@T2.0");
      moved = Math.max(moved, Math.abs(s.get("odin@eps0.05@T2.0") - s.get("odin@eps0.0@T2.0")));
    }
    assertThat(moved).isGreaterThan(1e-3);
    JsonNode eps0 = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertThat(eps0.get("methods").get(1).get("label").asText()).isEqualTo("ODIN (eps 0, T 2)");
    assertThat(eps0.get("settings").get("odin").get("b").get("from").asText())
        .isEqualTo("--odin-temperature; epsilon: the paper's default");
  }

  @Test
  void refusesBadOdinSettingsNamingTheValue() throws IOException {
    Path out = dir.resolve("out");
    assertThat(evaluate(bundle, out, "--odin-eps", "-0.1")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--odin-eps is -0.1; expected a finite number of 0 or more");
    assertThat(evaluate(bundle, out, "--odin-eps", "NaN")).isEqualTo(2);
    assertThat(err.toString()).contains("--odin-eps is NaN");
    assertThat(evaluate(bundle, out, "--odin-temperature", "0")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--odin-temperature is 0.0; expected a finite number above 0");
    assertThat(evaluate(bundle, out, "--odin-temperature", "-5")).isEqualTo(2);
    assertThat(err.toString()).contains("--odin-temperature is -5.0");
    Path plain = dir.resolve("plain");
    new SyntheticBundle(4, List.of("x", "y", "z"), null, new float[3][3], new float[3], Map.of())
        .writeTo(plain);
    assertThat(evaluate(plain, out, "--methods", "odin", "--odin-eps", "0.002")).isEqualTo(2);
    assertThat(err.toString())
        .contains("bundle 'b' has no gradient graphs")
        .contains("epsilon 0.002 (from --odin-eps)");
    assertThat(out.resolve("results.json")).doesNotExist();
  }

  @Test
  void fitWithAMagnitudeThenEvaluateScoresThePerturbedInputs() throws IOException {
    Path train = dir.resolve("train");
    int[][] fitColours = {
      {255, 0, 51},
      {204, 102, 0},
      {255, 51, 102},
      {0, 255, 51},
      {51, 204, 0},
      {102, 255, 0},
      {0, 51, 255},
      {51, 0, 204},
      {0, 102, 153}
    };
    for (int i = 0; i < fitColours.length; i++) {
      String cls = List.of("x", "y", "z").get(i / 3);
      PerturbationFixtures.solidPng(train.resolve(cls + "/" + i + ".png"), fitColours[i]);
    }
    Path plain = dir.resolve("gradients");
    new SyntheticBundle(4, List.of("x", "y", "z"), null, new float[3][3], new float[3], Map.of())
        .writeWithLayerGradients(plain);
    Path fitted = dir.resolve("fitted");
    int fit =
        mos(
            "fit",
            "--bundle",
            plain.toString(),
            "--out",
            fitted.toString(),
            "--mahalanobis-fit",
            train.toString(),
            "--mahalanobis-layers",
            "block1",
            "--mahalanobis-combiner",
            "single:block1",
            "--mahalanobis-validation",
            dir.resolve("id").toString(),
            "--mahalanobis-magnitude",
            "0.1");
    assertThat(fit).as(err.toString()).isZero();
    Path out = dir.resolve("out");
    assertThat(evaluate(fitted, out, "--methods", "mahalanobis")).as(err.toString()).isZero();

    JsonNode stats = new ObjectMapper().readTree(fitted.resolve("mahalanobis.json").toFile());
    JsonNode layer = stats.get("layers").get(0);
    PerturbationFixtures.Reference reference =
        new PerturbationFixtures.Reference(
            matrix(layer.get("classMeans")),
            matrix(layer.get("precision")),
            stats.get("regressionWeights").get(0).asDouble(),
            stats.get("regressionBias").asDouble(),
            0.1);
    Map<String, int[]> all = new LinkedHashMap<>();
    ID.forEach((k, v) -> all.put(dir.resolve("id").resolve(k).toString(), v));
    OOD.forEach((k, v) -> all.put(dir.resolve("ood").resolve(k).toString(), v));
    Map<String, Map<String, Double>> stored = PerturbationFixtures.storedScores(out);
    double moved = 0;
    for (var e : all.entrySet()) {
      double want = reference.score(e.getValue(), true);
      assertThat(stored.get(e.getKey()).get("mahalanobis"))
          .as(e.getKey())
          .isCloseTo(want, within(1e-5 * Math.max(1, Math.abs(want))));
      moved = Math.max(moved, Math.abs(want - reference.score(e.getValue(), false)));
    }
    assertThat(moved).as("the perturbation changes the scores").isGreaterThan(1e-3);
    JsonNode fittedParameters =
        new ObjectMapper()
            .readTree(out.resolve("results.json").toFile())
            .get("settings")
            .get("bundles")
            .get(0)
            .get("fitted")
            .get("mahalanobis");
    assertThat(fittedParameters.get("input_perturbation_magnitude").asDouble()).isEqualTo(0.1);
  }

  private static double[][] matrix(JsonNode rows) {
    double[][] m = new double[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      m[i] = new double[rows.get(i).size()];
      for (int j = 0; j < m[i].length; j++) {
        m[i][j] = rows.get(i).get(j).asDouble();
      }
    }
    return m;
  }

  @Test
  void helpDescribesTheOdinOptions() {
    StringWriter help = new StringWriter();
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(help));
    cli.execute("evaluate", "--help");
    assertThat(help.toString())
        .contains("--odin-eps=E")
        .contains("--odin-temperature=T")
        .contains("statistics.odin")
        .contains("--mahalanobis-magnitude");
  }
}
