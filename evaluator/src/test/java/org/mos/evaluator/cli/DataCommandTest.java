package org.mos.evaluator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code data} commands, run through picocli as {@code ./mos} runs them (without CDI). */
class DataCommandTest {

  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void demoWritesTheBenchmarkAndPrintsCountsPerSplit() {
    Path dir = tmp.resolve("demo");

    int code = run("data", "demo", "--out", dir.toString(), "--scale", "0.02", "--seed", "5");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("demo benchmark 'generated' (seed 5, scale 0.02, 32x32 RGB PNG)")
        .contains("12 classes in 4 groups of sizes [3, 2, 4, 3]")
        .containsPattern("train\\s+48 images")
        .containsPattern("ood/far-noise\\s+8 images");
    assertThat(err.toString()).contains("written 96 of 96 images (100%)");
    assertThat(dir.resolve("train/letter-e/000003.png")).exists();
    assertThat(dir.resolve("taxonomy.tsv")).exists();
  }

  @Test
  void demoExplainsAnExistingFolderInOneLine() throws IOException {
    Path dir = tmp.resolve("demo");
    Files.createDirectories(dir.resolve("x"));

    int code = run("data", "demo", "--out", dir.toString(), "--scale", "0.02");

    assertThat(code).isEqualTo(1);
    assertThat(err.toString().strip())
        .isEqualTo(
            "mos data demo: "
                + dir.toAbsolutePath().normalize()
                + " already exists and is not an empty folder; choose a new folder or overwrite it"
                + " (pass --force to replace it)");
  }

  @Test
  void demoSaysWhenFashionMnistIsNotInstalled() {
    Path nowhere = tmp.resolve("nowhere");

    int code =
        run(
            "data",
            "demo",
            "--out",
            tmp.resolve("fm").toString(),
            "--source",
            "fashion-mnist",
            "--fashion-mnist-dir",
            nowhere.toString());

    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .startsWith("mos data demo: Fashion-MNIST not found in " + nowhere)
        .contains("install the Debian package dataset-fashion-mnist");
    assertThat(err.toString().strip().lines()).hasSize(1);
  }

  @Test
  void demoRejectsAnUnknownSourceAndABadScale() {
    assertThat(run("data", "demo", "--out", tmp.resolve("a").toString(), "--source", "cifar"))
        .isEqualTo(1);
    assertThat(run("data", "demo", "--out", tmp.resolve("b").toString(), "--scale", "-1"))
        .isEqualTo(1);
    assertThat(err.toString())
        .contains("unknown demo source 'cifar': expected generated or fashion-mnist")
        .contains("scale must be > 0 and <= 20.0, got -1.0");
  }

  @Test
  void demoHelpNamesTheOptionsAndSources() {
    assertThat(run("data", "demo", "--help")).isZero();
    assertThat(out.toString())
        .contains("--out=DIR")
        .contains("--source=SOURCE")
        .contains("--scale=F")
        .contains("fashion-mnist")
        .contains("near-shapes");
  }

  @Test
  void inspectReadsTheDemoAsImageFolderListAndPlainFolder() {
    Path dir = tmp.resolve("demo");
    assertThat(run("data", "demo", "--out", dir.toString(), "--scale", "0.02")).isZero();
    out.getBuffer().setLength(0);

    assertThat(run("data", "inspect", dir.resolve("train").toString())).isZero();
    assertThat(run("data", "inspect", dir.resolve("val_group.txt").toString())).isZero();
    assertThat(run("data", "inspect", dir.resolve("ood/near-shapes").toString())).isZero();

    assertThat(out.toString())
        .contains("48 images in 12 classes")
        .contains("     4: letter-t, 4")
        .contains("group list " + dir.resolve("val_group.txt") + ": 12 entries, 12 distinct labels")
        .contains("0 files missing")
        .contains("plain image folder " + dir.resolve("ood/near-shapes") + ": 8 images");
  }

  @Test
  void inspectReportsAMissingPath() {
    Path missing = tmp.resolve("missing");
    assertThat(run("data", "inspect", missing.toString())).isEqualTo(1);
    assertThat(err.toString()).contains(missing + " does not exist");
  }
}
