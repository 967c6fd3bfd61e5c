package org.mos.evaluator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.io.Npy;
import picocli.CommandLine;

/**
 * Runs the command through picocli. The scores are the hand-worked example of the metrics tests: ID
 * = {0.9, 0.8, 0.4} against OOD = {0.8, 0.1} gives, in the paper's convention, AUROC 3/4, AUPR-In
 * 29/36, AUPR-Out 3/4 and FPR95 1/2; against OOD = {0.1} everything is perfect (1, 1, 1, 0).
 */
class MetricsCommandTest {

  @TempDir Path dir;
  private Path id;
  private Path near;
  private Path far;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void writeScores() throws IOException {
    id = Files.writeString(dir.resolve("id.txt"), "0.9\n0.8\n\n0.4\n");
    near = dir.resolve("near.npy");
    Npy.writeFloat64(near, new double[] {0.8, 0.1}, 2);
    far = Files.writeString(dir.resolve("far.txt"), "0.1\n");
  }

  private int run(String... args) {
    CommandLine cli = new CommandLine(new MetricsCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void printsThePapersTableWithAnAverageRow() {
    int code = run("--id", id.toString(), "--ood", "near=" + near, "--ood", "far=" + far);
    assertThat(code).isZero();
    // Average: AUROC (75 + 100) / 2 = 87.5; AUPR-In (80.56 + 100) / 2 = 90.28 (29/36 = 0.80556);
    // AUPR-Out (75 + 100) / 2 = 87.5; FPR95 (50 + 0) / 2 = 25.
    assertThat(out.toString())
        .isEqualTo(
            "Convention: paper\n"
                + "OOD set    AUROC  AUPR-In  AUPR-Out    FPR95\n"
                + "near       75.00    80.56     75.00    50.00\n"
                + "far       100.00   100.00    100.00     0.00\n"
                + "Average    87.50    90.28     87.50    25.00\n");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void printsJsonFractionsInTheChosenConvention() throws IOException {
    int code =
        run(
            "--id",
            id.toString(),
            "--ood",
            "near=" + near,
            "--convention",
            "openood",
            "--format",
            "json");
    assertThat(code).isZero();
    JsonNode json = new ObjectMapper().readTree(out.toString());
    assertThat(json.get("convention").asText()).isEqualTo("openood");
    JsonNode near = json.get("results").get(0);
    assertThat(near.get("ood").asText()).isEqualTo("near");
    // OpenOOD: trapezoidal AUPR-In 61/72; FPR95 = 2 of 3 ID flagged when both OOD are detected.
    assertThat(near.get("aupr_in").asDouble())
        .isCloseTo(61.0 / 72, org.assertj.core.api.Assertions.within(1e-15));
    assertThat(near.get("fpr95").asDouble()).isEqualTo(2.0 / 3);
    assertThat(json.get("average").get("auroc").asDouble()).isEqualTo(0.75);
  }

  @Test
  void printsCsvWithAHeaderAndAnAverageRow() {
    int code = run("--id", id.toString(), "--ood", "far=" + far, "--format", "csv");
    assertThat(code).isZero();
    assertThat(out.toString())
        .isEqualTo(
            "ood,auroc,aupr_in,aupr_out,fpr95\n"
                + "far,1.0,1.0,1.0,0.0\n"
                + "average,1.0,1.0,1.0,0.0\n");
  }

  @Test
  void reportsABadLineOnStderrWithExitOneAndNoStackTrace() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.txt"), "0.1\nabc\n");
    int code = run("--id", id.toString(), "--ood", "bad=" + bad);
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo("mos metrics: " + bad + ": line 2 is 'abc': expected one number per line\n");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void reportsMissingEmptyNanAndTwoDimensionalFiles() throws IOException {
    Path missing = dir.resolve("nope.txt");
    assertThat(run("--id", missing.toString(), "--ood", "far=" + far)).isEqualTo(1);
    assertThat(err.toString()).isEqualTo("mos metrics: " + missing + ": no such file\n");

    Path empty = Files.writeString(dir.resolve("empty.txt"), "");
    assertThat(run("--id", id.toString(), "--ood", "e=" + empty)).isEqualTo(1);
    assertThat(err.toString()).contains(empty + ": no scores");

    Path nan = Files.writeString(dir.resolve("nan.txt"), "NaN\n");
    assertThat(run("--id", nan.toString(), "--ood", "far=" + far)).isEqualTo(1);
    assertThat(err.toString()).contains(nan + ": line 1 is NaN");

    Path matrix = dir.resolve("logits.npy");
    Npy.writeFloat32(matrix, new float[4], 2, 2);
    assertThat(run("--id", id.toString(), "--ood", "m=" + matrix)).isEqualTo(1);
    assertThat(err.toString()).contains("the shape is [2, 2]").doesNotContain("Exception");
  }

  @Test
  void rejectsMalformedOodOptionsBeforeReadingFiles() {
    assertThat(run("--id", id.toString(), "--ood", far.toString())).isEqualTo(1);
    assertThat(err.toString())
        .contains("--ood expects NAME=FILE")
        .contains("but got '" + far + "'");
    assertThat(run("--id", id.toString(), "--ood", "a=" + far, "--ood", "a=" + near)).isEqualTo(1);
    assertThat(err.toString()).contains("the name 'a' is used twice");
  }

  @Test
  void rejectsUnknownConventionsAndMissingOptionsAsUsageErrors() {
    assertThat(run("--id", id.toString(), "--ood", "far=" + far, "--convention", "mine"))
        .isEqualTo(2);
    assertThat(err.toString())
        .contains("Invalid value for option '--convention': unknown metrics convention 'mine'");
    assertThat(run("--id", id.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--ood=NAME=FILE'");
  }

  @Test
  void helpDescribesTheOptionsAndConventions() {
    // picocli reports unescaped '%' in help text on System.err, not on the command's writer.
    java.io.ByteArrayOutputStream systemErr = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    System.setErr(new java.io.PrintStream(systemErr, true));
    try {
      assertThat(run("--help")).isZero();
    } finally {
      System.setErr(original);
    }
    assertThat(out.toString())
        .contains(
            "--id=FILE", "--ood=NAME=FILE", "--convention=paper|openood", "--format=table|json|csv")
        .contains("OpenOOD v1.5", "A score file is text with one number per")
        .contains("closest to 95%.", "when 95% of OOD");
    assertThat(systemErr.toString()).doesNotContain("WARN");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void isASubcommandOfMos() {
    CommandLine mos = new CommandLine(new MosCommand());
    assertThat(mos.getSubcommands()).containsKey("metrics");
  }
}
