package org.mos.trainer.head;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.cli.TrainCommand;
import picocli.CommandLine;

/** {@code train --backbone} from the command line: bad input ends with exit code 2 and a reason. */
class TrainBackboneCommandTest {

  @TempDir Path dir;

  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new TrainCommand());
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  private Path threeClasses() throws Exception {
    Path train = dir.resolve("train");
    for (String c : new String[] {"a", "b", "c"}) {
      Files.createDirectories(train.resolve(c));
      Files.writeString(train.resolve(c).resolve("x.png"), "never decoded");
    }
    return train;
  }

  @Test
  void aMissingBackboneIsNamed() throws Exception {
    Path train = threeClasses();
    int code =
        run(
            "--backbone", dir.resolve("nope").toString(),
            "--train", train.toString(),
            "--mode", "flat",
            "--out", dir.resolve("out").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("trainer train: backbone " + dir.resolve("nope") + " does not exist");
  }

  @Test
  void aNonPositiveExtractBatchIsRefused() throws Exception {
    int code =
        run(
            "--backbone", "b",
            "--train", threeClasses().toString(),
            "--mode", "flat",
            "--extract-batch", "0",
            "--out", dir.resolve("out").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("extract batch must be at least 1, got 0");
  }
}
