package org.mos.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.io.Npy;
import picocli.CommandLine;

class TrainCommandTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new TrainCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  /** Eight 3x16x16 images of two classes (a bright band at the top or the bottom). */
  private Path data() throws IOException {
    int n = 8;
    ByteBuffer images = ByteBuffer.allocate(n * 3 * 16 * 16 * 4).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer labels = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < 3 * 16 * 16; p++) {
        int row = (p / 16) % 16;
        images.putFloat((row < 8) == (i % 2 == 0) ? 1f : -1f);
      }
      labels.putLong(i % 2);
    }
    Path file = dir.resolve("data.npz");
    try (OutputStream os = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.putNextEntry(new ZipEntry("images.npy"));
      Npy.write(zip, "<f4", new int[] {n, 3, 16, 16}, images.array());
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("labels.npy"));
      Npy.write(zip, "<i8", new int[] {n}, labels.array());
      zip.closeEntry();
    }
    return file;
  }

  private List<String> common(Path data, Path checkpoint, String schedule) {
    return new ArrayList<>(
        List.of(
            "--architecture",
            "R50x1",
            "--units",
            "1,1,1,1",
            "--base-width",
            "32",
            "--data",
            data.toString(),
            "--batch",
            "4",
            "--batch-split",
            "2",
            "--schedule",
            schedule,
            "--base-lr",
            "0.05",
            "--num-block-open",
            "1",
            "--checkpoint",
            checkpoint.toString(),
            "--checkpoint-every",
            "2",
            "--log-every",
            "1"));
  }

  private static long step(Path checkpoint) throws IOException {
    try (ZipFile zip = new ZipFile(checkpoint.toFile());
        InputStream in = zip.getInputStream(zip.getEntry("step.npy"))) {
      return Npy.read(in).longs()[0];
    }
  }

  @Test
  void trainsToTheEndOfTheScheduleAndResumesFromTheCheckpoint() throws IOException {
    Path data = data();
    Path checkpoint = dir.resolve("run/ckpt.npz");
    List<String> args = common(data, checkpoint, "1,3");
    args.addAll(List.of("--classes", "2"));
    assertThat(run(args.toArray(String[]::new))).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("step 1/3 lr 0.0 loss 0.69315")
        .contains("finished 3 steps");
    assertThat(step(checkpoint)).isEqualTo(3);

    List<String> longer = common(data, checkpoint, "1,5");
    longer.addAll(List.of("--classes", "2", "--resume"));
    assertThat(run(longer.toArray(String[]::new))).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("at step 3")
        .contains("step 4/5")
        .contains("finished 5 steps");
    assertThat(step(checkpoint)).isEqualTo(5);
  }

  @Test
  void rejectsGroupSoftmaxOnFlatLabels() throws IOException {
    List<String> args = common(data(), dir.resolve("c.npz"), "1,2");
    args.addAll(List.of("--groups", "1,1"));
    assertThat(run(args.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("labels of width 1 but 2 groups need 2");
  }

  @Test
  void acceptsEitherClassesOrGroupsNotBoth() throws IOException {
    List<String> args = common(data(), dir.resolve("c.npz"), "1,2");
    args.addAll(List.of("--classes", "2", "--groups", "1,1"));
    assertThat(run(args.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("mutually exclusive");
  }
}
