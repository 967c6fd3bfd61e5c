package org.mos.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.io.Npy;
import org.mos.trainer.data.TinyImages;
import picocli.CommandLine;

class TrainCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();

  private int run(List<String> args) {
    return run(null, args);
  }

  private int run(PrintWriter stdout, List<String> args) {
    out = new StringWriter();
    err = new StringWriter();
    CommandLine cli = new CommandLine(new TrainCommand());
    cli.setOut(stdout == null ? new PrintWriter(out) : stdout);
    cli.setErr(new PrintWriter(err));
    cli.setOverwrittenOptionsAllowed(true); // tests override the tiny defaults
    return cli.execute(args.toArray(String[]::new));
  }

  /** A tiny model on 16x16 crops of 18x18 images, four steps of four images in two halves. */
  private static List<String> tiny(Path train, Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--train", train.toString(),
                "--arch", "R50x1",
                "--units", "1,1,1,1",
                "--base-width", "32",
                "--resize", "18",
                "--crop", "16",
                "--batch", "4",
                "--batch-split", "2",
                "--base-lr", "0.05",
                "--num-block-open", "1",
                "--threads", "1",
                "--log-every", "1",
                "--out", out.toString()));
    args.addAll(List.of(more));
    return args;
  }

  private static List<JsonNode> metrics(Path out) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  private static Map<String, float[]> checkpoint(Path file) throws IOException {
    Map<String, float[]> arrays = new HashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        try (InputStream in = zip.getInputStream(e)) {
          var array = Npy.read(in);
          arrays.put(
              e.getName(),
              e.getName().equals("step.npy") ? new float[] {array.longs()[0]} : array.toFloats());
        }
      }
    }
    return arrays;
  }

  @Test
  void trainsGroupSoftmaxOnAnImageFolderAndWritesCheckpointAndMetrics() throws IOException {
    Path images = dir.resolve("images");
    TinyImages.folder(images, 2);
    Path out = dir.resolve("run");
    int code =
        run(
            tiny(
                images,
                out,
                "--mode",
                "group",
                "--groups",
                "2,2",
                "--steps",
                "4",
                "--val",
                images.toString(),
                "--val-every",
                "2"));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).isNotEmpty();
    assertThat(this.out.toString())
        .contains("step 1/4")
        .contains("img/s")
        .contains("ETA")
        .contains("finished 4 steps");
    assertThat(checkpoint(out.resolve("checkpoint.npz")).get("step.npy")).containsExactly(4f);
    List<JsonNode> lines = metrics(out);
    assertThat(lines).extracting(l -> l.get("step").asInt()).containsExactly(1, 2, 3, 4);
    // zero head: both slices [others, x, y] are uniform, loss = ln 3 + ln 3; warm-up lr 0 first
    assertThat(lines.get(0).get("loss").asDouble()).isCloseTo(2 * Math.log(3), within(1e-5));
    assertThat(lines.get(0).get("lr").asDouble()).isZero();
    assertThat(lines.get(0).has("val_loss")).isFalse();
    for (int i : new int[] {1, 3}) {
      assertThat(lines.get(i).get("val_loss").asDouble()).isPositive();
      assertThat(lines.get(i).get("val_top1").asDouble()).isBetween(0.0, 1.0);
    }
    assertThat(Files.readString(out.resolve("layout.json"))).contains("\"groupSizes\"");
  }

  @Test
  void aRunOnClassFoldersRecordsItsModelAndExportsWithNoOptionRepeated() throws IOException {
    Path images = dir.resolve("images");
    TinyImages.folder(images, 1);
    Path out = dir.resolve("run");
    // no --resize/--crop: BiT's small-image rule picks resize 160, crop 128 for 16 px images
    int code =
        run(
            List.of(
                "--train", images.toString(),
                "--arch", "R50x1",
                "--units", "1,1,1,1",
                "--base-width", "32",
                "--mode", "group",
                "--groups", "1,3",
                "--steps", "2",
                "--batch", "2",
                "--threads", "1",
                "--out", out.toString()));
    assertThat(code).as(err.toString()).isZero();
    JsonNode model = JSON.readTree(out.resolve("model.json").toFile());
    assertThat(model.get("architecture").asText()).isEqualTo("units=1,1,1,1/width=32");
    assertThat(model.get("stem_width").asInt()).isEqualTo(32);
    assertThat(model.get("head").asText()).isEqualTo("group");
    assertThat(model.get("input_size").asInt()).isEqualTo(128);
    assertThat(model.get("resize").asInt()).isEqualTo(160);
    assertThat(model.get("layout").get("classNames"))
        .extracting(JsonNode::asText)
        .containsExactlyElementsOf(TinyImages.CLASSES);

    Path bundle = dir.resolve("bundle");
    StringWriter exportErr = new StringWriter();
    CommandLine cli = new CommandLine(new TrainerCommand());
    cli.setErr(new PrintWriter(exportErr, true));
    int exported =
        cli.execute(
            "export",
            "--checkpoint",
            out.toString(),
            "--no-gradient-graphs",
            "--out",
            bundle.toString());
    assertThat(exported).as(exportErr.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(bundle)) {
      BundleManifest m = b.manifest();
      assertThat(m.architecture()).isEqualTo("units=1,1,1,1/width=32");
      assertThat(m.groupSizes()).containsExactly(1, 3);
      // sizes 1,3 put the sorted folders in group order already: a | b, c, d
      assertThat(m.classNames()).containsExactlyElementsOf(TinyImages.CLASSES);
      assertThat(m.inputSize()).isEqualTo(128);
      assertThat(m.provenance()).containsEntry("step", 2);
    }
  }

  /** Stands for a killed process: the run dies abruptly when it prints the given step. */
  private static final class Killed extends Error {
    Killed() {
      super("killed");
    }
  }

  private static PrintWriter killAt(String line) {
    StringBuilder seen = new StringBuilder();
    return new PrintWriter(
        new Writer() {
          @Override
          public void write(char[] buf, int off, int len) {
            seen.append(buf, off, len);
            if (seen.indexOf(line) >= 0) {
              throw new Killed();
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
  }

  @Test
  void aRunKilledAfterACheckpointResumesToTheSameWeights() throws IOException {
    Path images = dir.resolve("images");
    TinyImages.folder(images, 2);
    String[] common = {
      "--mode", "flat", "--steps", "6", "--checkpoint-every", "2", "--mixup", "0.1", "--seed", "3"
    };
    Path whole = dir.resolve("whole");
    assertThat(run(tiny(images, whole, common))).as(err.toString()).isZero();

    Path killed = dir.resolve("killed");
    assertThatThrownBy(() -> run(killAt("step 5/6"), tiny(images, killed, common)))
        .isInstanceOf(Killed.class);
    assertThat(checkpoint(killed.resolve("checkpoint.npz")).get("step.npy")).containsExactly(4f);
    assertThat(metrics(killed)).hasSize(5); // step 5 was logged before the kill

    List<String> resume = tiny(images, killed, common);
    resume.add("--resume");
    assertThat(run(resume)).as(err.toString()).isZero();
    assertThat(this.out.toString()).contains("at step 4").contains("step 5/6");
    Map<String, float[]> a = checkpoint(whole.resolve("checkpoint.npz"));
    Map<String, float[]> b = checkpoint(killed.resolve("checkpoint.npz"));
    assertThat(b.keySet()).isEqualTo(a.keySet());
    for (String key : a.keySet()) {
      float[] x = a.get(key);
      float[] y = b.get(key);
      assertThat(y).as(key).hasSameSizeAs(x);
      for (int i = 0; i < x.length; i++) {
        assertThat(y[i]).as(key + "[" + i + "]").isCloseTo(x[i], within(1e-6f));
      }
    }
    assertThat(metrics(killed))
        .extracting(l -> l.get("step").asInt())
        .containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void readsTheGroupAndFlatListFormatsOfThePaper() throws IOException {
    Path images = dir.resolve("images");
    List<String> files = TinyImages.folder(images, 1);
    Path groupList = dir.resolve("train_group.txt");
    Files.write(
        groupList,
        List.of(
            files.get(0) + " 0 0",
            files.get(1) + " 0 1",
            files.get(2) + " 1 0",
            files.get(3) + " 1 1"));
    assertThat(
            run(
                tiny(
                    groupList,
                    dir.resolve("g"),
                    "--train-root",
                    images.toString(),
                    "--groups",
                    "2,2",
                    "--steps",
                    "2")))
        .as(err.toString())
        .isZero();
    assertThat(metrics(dir.resolve("g")).get(0).get("loss").asDouble())
        .isCloseTo(2 * Math.log(3), within(1e-5));

    Path flatList = images.resolve("train_flat.txt"); // paths relative to the list's folder
    Files.write(
        flatList,
        List.of(
            files.get(0) + " 0", files.get(1) + " 1", files.get(2) + " 2", files.get(3) + " 3"));
    assertThat(
            run(
                tiny(
                    flatList,
                    dir.resolve("f"),
                    "--mode",
                    "flat",
                    "--classes",
                    "4",
                    "--steps",
                    "2")))
        .as(err.toString())
        .isZero();
    // zero head over 4 classes: ln 4
    assertThat(metrics(dir.resolve("f")).get(0).get("loss").asDouble())
        .isCloseTo(Math.log(4), within(1e-5));
  }

  @Test
  void badInputEndsWithOneLineNamingTheProblem() throws IOException {
    Path images = dir.resolve("images");
    List<String> files = TinyImages.folder(images, 1);
    Path out = dir.resolve("o");

    assertThat(run(tiny(dir.resolve("nowhere"), out, "--groups", "2,2"))).isEqualTo(2);
    assertThat(err.toString()).contains("nowhere does not exist").hasLineCount(1);

    assertThat(run(tiny(images, out, "--groups", "2,3"))).isEqualTo(2);
    assertThat(err.toString()).contains("4 class folders but the layout has 5 classes");

    Path list = dir.resolve("list.txt");
    Files.write(list, List.of(files.get(0) + " 0", files.get(1) + " 7"));
    assertThat(
            run(
                tiny(
                    list,
                    out,
                    "--train-root",
                    images.toString(),
                    "--mode",
                    "flat",
                    "--classes",
                    "4")))
        .isEqualTo(2);
    assertThat(err.toString()).contains("line 2").contains("label 7, expected 0..3");

    assertThat(run(tiny(images, out, "--groups", "2,2", "--batch", "3"))).isEqualTo(2);
    assertThat(err.toString()).contains("batch 3 must be a positive multiple of batch split 2");
  }

  @Test
  void unreadableImagesAreSkippedOrFailTheRunByPolicy() throws IOException {
    Path images = dir.resolve("images");
    TinyImages.folder(images, 2);
    Files.writeString(images.resolve("a_top/broken.png"), "not an image");
    String[] args = {"--groups", "2,2", "--steps", "2", "--batch", "8", "--batch-split", "1"};

    List<String> fail = tiny(images, dir.resolve("fail"), args);
    fail.addAll(List.of("--bad-files", "fail"));
    assertThat(run(fail)).isEqualTo(1);
    assertThat(err.toString()).contains("broken.png").contains("policy fail").hasLineCount(1);

    assertThat(run(tiny(images, dir.resolve("skip"), args))).as(err.toString()).isZero();
    assertThat(this.out.toString()).contains("unreadable image(s) skipped");
  }
}
