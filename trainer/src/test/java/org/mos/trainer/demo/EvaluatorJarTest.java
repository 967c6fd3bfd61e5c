package org.mos.trainer.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.cli.TrainerCommand;
import picocli.CommandLine;

class EvaluatorJarTest {

  @TempDir Path dir;

  @Test
  void runsTheJarWithThisJvmsOptionsThenTheArguments() throws IOException {
    Path jar = Files.createFile(dir.resolve("quarkus-run.jar"));
    EvaluatorJar evaluator =
        EvaluatorJar.of(
            jar.toString(),
            Path.of("/jdk/bin/java"),
            List.of("-Xmx2g", "-Djava.awt.headless=true"));
    assertThat(evaluator.command(List.of("fit", "--bundle", "b")))
        .containsExactly(
            "/jdk/bin/java",
            "-Xmx2g",
            "-Djava.awt.headless=true",
            "-jar",
            jar.toString(),
            "fit",
            "--bundle",
            "b");
  }

  @Test
  void aMissingPropertySaysHowToSetIt() {
    assertThatThrownBy(() -> EvaluatorJar.of(null, Path.of("java"), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-Dmos.evaluator.jar is not set")
        .hasMessageContaining("./mos demo");
  }

  @Test
  void aPropertyThatNamesNoFileIsNamed() {
    String missing = dir.resolve("none.jar").toString();
    assertThatThrownBy(() -> EvaluatorJar.of(missing, Path.of("java"), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("-Dmos.evaluator.jar=" + missing + " is not a file");
  }

  @Test
  void theDemoStopsBeforeTrainingWhenTheEvaluatorJarIsNotNamed() {
    assertThat(System.getProperty(EvaluatorJar.PROPERTY)).isNull();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new TrainerCommand());
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute("demo", "--out", dir.resolve("out").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("mos demo: the fit and evaluate steps run");
    assertThat(dir.resolve("out")).doesNotExist();
  }
}
