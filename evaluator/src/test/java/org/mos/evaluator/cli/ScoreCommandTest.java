package org.mos.evaluator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.io.Npy;
import picocli.CommandLine;

/** Runs {@code mos score} through picocli, as the launcher does, on hand-worked logits. */
class ScoreCommandTest {

  private static final float LN2 = (float) Math.log(2);
  private static final float LN3 = (float) Math.log(3);

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  /** Runs {@code mos score --logits logits options...}. */
  private int score(Path logits, String... options) {
    List<String> args = new java.util.ArrayList<>(List.of("score", "--logits", logits.toString()));
    args.addAll(List.of(options));
    return run(args.toArray(String[]::new));
  }

  private static List<Double> read(Path file) throws IOException {
    return Files.readAllLines(file).stream().map(Double::parseDouble).toList();
  }

  @Test
  void writesOneFilePerMethodWithOneScorePerLineInInputOrder() throws IOException {
    // Flat logits: row 0 = [0, ln 3] -> softmax [1/4, 3/4]; row 1 = [ln 3, 0] -> [3/4, 1/4]
    // row 2 = [0, 0] -> [1/2, 1/2]. msp: 3/4, 3/4, 1/2; maxlogit: ln3, ln3, 0; energy (T=1): ln4,
    // ln4, ln2.
    Path logits = dir.resolve("logits.npy");
    Npy.writeFloat32(logits, new float[] {0, LN3, LN3, 0, 0, 0}, 3, 2);
    Path outDir = dir.resolve("scores");
    int code = score(logits, "--methods", "msp,maxlogit,energy", "--out", outDir.toString());
    assertThat(code).as(err.toString()).isZero();
    assertThat(read(outDir.resolve("msp.txt")))
        .satisfiesExactly(
            s -> assertThat(s).isCloseTo(0.75, within(1e-7)),
            s -> assertThat(s).isCloseTo(0.75, within(1e-7)),
            s -> assertThat(s).isCloseTo(0.5, within(1e-12)));
    assertThat(read(outDir.resolve("maxlogit.txt")).get(2)).isEqualTo(0.0);
    assertThat(read(outDir.resolve("energy.txt")).get(0)).isCloseTo(Math.log(4), within(1e-7));
    assertThat(read(outDir.resolve("energy.txt")).get(2)).isCloseTo(Math.log(2), within(1e-12));
    assertThat(out.toString()).contains("scored 3 rows x 2 logits");
    try (var files = Files.list(outDir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("msp.txt", "maxlogit.txt", "energy.txt");
    }
  }

  @Test
  void scoresMosWithGroupSizesAndATemperatureForOdin() throws IOException {
    // Groups 2 and 1: [o0 a b | o1 c] = [ln 2, 0, 0 | 0, ln 3]: p(others) = 1/2 and 1/4 -> MOS =
    // -1/4.
    Path logits = dir.resolve("group.npy");
    Npy.writeFloat32(logits, new float[] {LN2, 0, 0, 0, LN3}, 1, 5);
    Path sizes = Files.writeString(dir.resolve("sizes.json"), "[2, 1]");
    for (String layout : List.of("2,1", sizes.toString())) {
      Path outDir = dir.resolve("out-" + layout.length());
      int code =
          score(
              logits,
              "--layout",
              layout,
              "--methods",
              "mos,odin",
              "--temperature",
              "1",
              "--out",
              outDir.toString());
      assertThat(code).as(err.toString()).isZero();
      assertThat(read(outDir.resolve("mos.txt")).get(0)).isCloseTo(-0.25, within(1e-7));
      // odin with T = 1 over all 5 logits: max softmax = 3 / (2 + 1 + 1 + 1 + 3)
      assertThat(read(outDir.resolve("odin.txt")).get(0)).isCloseTo(3.0 / 8, within(1e-7));
    }
  }

  @Test
  void reportsALayoutMismatchOnOneLine() throws IOException {
    Path logits = dir.resolve("l.npy");
    Npy.writeFloat32(logits, new float[6], 1, 6);
    int code =
        score(logits, "--layout", "2,1", "--methods", "mos", "--out", dir.resolve("o").toString());
    assertThat(code).isNotZero();
    assertThat(err.toString().strip())
        .isEqualTo(
            "mos score: "
                + logits
                + ": group sizes sum to 3 (+ 2 'others' = 5 logits) but the model has 6 logits"
                + " for 2 groups: expected sizes summing to 4");
    assertThat(dir.resolve("o")).doesNotExist();
  }

  @Test
  void reportsBadFilesAndMethodsWithoutAStackTrace() throws IOException {
    Path missing = dir.resolve("missing.npy");
    Path empty = Files.createFile(dir.resolve("empty.npy"));
    Path oneD = dir.resolve("oned.npy");
    Npy.writeFloat32(oneD, new float[] {1, 2, 3}, 3);
    Path ok = dir.resolve("ok.npy");
    Npy.writeFloat32(ok, new float[] {1, 2}, 1, 2);
    String o = dir.resolve("o").toString();
    assertFailsWith(
        "missing.npy: no such file",
        "--logits",
        missing.toString(),
        "--methods",
        "msp",
        "--out",
        o);
    assertFailsWith(
        "empty.npy: file ends inside the magic string",
        "--logits",
        empty.toString(),
        "--methods",
        "msp",
        "--out",
        o);
    assertFailsWith(
        "expected a 2-D array (rows x logits) but the shape is [3]",
        "--logits",
        oneD.toString(),
        "--methods",
        "msp",
        "--out",
        o);
    assertFailsWith(
        "unknown score method 'nope'; known: mos",
        "--logits",
        ok.toString(),
        "--methods",
        "msp,nope",
        "--out",
        o);
    assertFailsWith(
        "method 'mos' needs a group layout: give --layout",
        "--logits",
        ok.toString(),
        "--methods",
        "mos",
        "--out",
        o);
    assertFailsWith(
        "'kl' needs fitted class-mean softmax vectors",
        "--logits",
        ok.toString(),
        "--methods",
        "kl",
        "--out",
        o);
    assertFailsWith(
        "method 'mahalanobis' needs layer features",
        "--logits",
        ok.toString(),
        "--methods",
        "mahalanobis",
        "--out",
        o);
    assertFailsWith(
        "--layout 'groups' is neither 'flat'",
        "--logits",
        ok.toString(),
        "--layout",
        "groups",
        "--methods",
        "msp",
        "--out",
        o);
  }

  private void assertFailsWith(String message, String... args) {
    err.getBuffer().setLength(0);
    String[] full = new String[args.length + 1];
    full[0] = "score";
    System.arraycopy(args, 0, full, 1, args.length);
    assertThat(run(full)).isNotZero();
    String text = err.toString().strip();
    assertThat(text).contains(message).doesNotContain("\n").doesNotContain("Exception");
  }

  @Test
  void scoresKlAgainstMeansFromAFile() throws IOException {
    // d_0 = [1/2, 1/2], d_1 = [1/4, 3/4]; logits [0, 0] -> p = d_0 -> score 0;
    // logits [0, ln 3] -> p = d_1 -> score 0; logits [ln 3, 0] -> p = [3/4, 1/4]:
    // KL to d_0 = 3/4 ln(3/2) + 1/4 ln(1/2) is the smaller.
    Path means = dir.resolve("means.npy");
    Npy.writeFloat64(means, new double[] {0.5, 0.5, 0.25, 0.75}, 2, 2);
    Path logits = dir.resolve("l.npy");
    Npy.writeFloat32(logits, new float[] {0, 0, 0, LN3, LN3, 0}, 3, 2);
    Path outDir = dir.resolve("kl");
    int code =
        score(
            logits, "--methods", "kl", "--kl-means", means.toString(), "--out", outDir.toString());
    assertThat(code).as(err.toString()).isZero();
    List<Double> kl = read(outDir.resolve("kl.txt"));
    assertThat(kl.get(0)).isCloseTo(0, within(1e-12));
    assertThat(kl.get(1)).isCloseTo(0, within(1e-7));
    assertThat(kl.get(2)).isCloseTo(-(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5)), within(1e-7));
  }

  @Test
  void helpNamesEveryOption() {
    assertThat(run("score", "--help")).isZero();
    assertThat(out.toString())
        .contains(
            "--logits=FILE.npy",
            "--layout=LAYOUT",
            "--methods=ID",
            "--temperature=T",
            "--kl-means=FILE.npy",
            "--out=DIR",
            "398,521,9,7,52,8,3,2");
  }
}
