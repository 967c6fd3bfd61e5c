package org.mos.evaluator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import picocli.CommandLine;

/** Runs {@code mos infer} through picocli on a linear synthetic bundle and solid-colour PNGs. */
class InferCommandTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Path bundle;
  private Path images;

  private int run(String... args) {
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  private static void png(Path file, int r, int g, int b) throws IOException {
    Files.createDirectories(file.getParent());
    BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    ImageIO.write(img, "png", file.toFile());
  }

  @BeforeEach
  void bundleAndImages() throws IOException {
    // logits = W f + b, f = per-channel mean of (pixel / 255 - 0.5) / 0.5
    bundle = dir.resolve("bundle");
    new SyntheticBundle(
            4,
            List.of("x", "y", "z"),
            null,
            new float[][] {{1, 0, 0}, {0, 2, 0}, {0, 0, -1}},
            new float[] {0.5f, 0, 0.25f},
            Map.of())
        .writeTo(bundle);
    images = dir.resolve("images");
    png(images.resolve("b.png"), 0, 0, 0); // f = (-1, -1, -1)
    png(images.resolve("a.png"), 255, 0, 51); // f = (1, -1, -0.6)
    png(images.resolve("c/d.png"), 255, 255, 255); // f = (1, 1, 1)
  }

  @Test
  void writesLogitsOfEveryImageInPathOrder() throws IOException {
    Path npy = dir.resolve("logits.npy");
    int code =
        run(
            "infer",
            "--bundle",
            bundle.toString(),
            "--images",
            images.toString(),
            "--out",
            npy.toString(),
            "--batch-size",
            "2");
    assertThat(code).as(err.toString()).isZero();
    NpyArray a = Npy.read(npy);
    assertThat(a.shape()).containsExactly(3, 3);
    assertThat(a.dtype()).contains("f4");
    // a.png: (1.5, -2, 0.85); b.png: (-0.5, -2, 1.25); c/d.png: (1.5, 2, -0.75)
    double[] expected = {1.5, -2, 0.85, -0.5, -2, 1.25, 1.5, 2, -0.75};
    for (int i = 0; i < expected.length; i++) {
      assertThat(a.values()[i])
          .as("value %d", i)
          .isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-5));
    }
  }

  @Test
  void writesFeaturesOfAListFileSortedByPath() throws IOException {
    Path list = images.resolve("list.txt");
    Files.writeString(list, "c/d.png 3\nb.png 1\n");
    Path npy = dir.resolve("features.npy");
    int code =
        run(
            "infer",
            "--bundle",
            bundle.toString(),
            "--images",
            list.toString(),
            "--out",
            npy.toString(),
            "--output",
            "features");
    assertThat(code).as(err.toString()).isZero();
    NpyArray a = Npy.read(npy);
    assertThat(a.shape()).containsExactly(2, 3);
    assertThat(a.values()).containsExactly(-1, -1, -1, 1, 1, 1);
  }

  @Test
  void stopsWithExitOneAtTheFirstUnreadableImageInPathOrderAndWritesNothing() throws IOException {
    Files.writeString(images.resolve("bad.png"), "not a png");
    Path list = images.resolve("list.txt");
    Files.writeString(list, "gone.png\na.png\nbad.png\nb.png\n");
    Path npy = dir.resolve("never.npy");
    int code =
        run(
            "infer",
            "--bundle",
            bundle.toString(),
            "--images",
            list.toString(),
            "--out",
            npy.toString(),
            "--batch-size",
            "2");
    assertThat(code).isEqualTo(1);
    // sorted: a.png, b.png, bad.png, gone.png: bad.png is the first that cannot be read
    assertThat(err.toString())
        .startsWith("cannot decode an image: ")
        .contains("bad.png")
        .doesNotContain("gone.png");
    assertThat(npy).doesNotExist();
  }

  @Test
  void refusesAnOutputTheBundleDoesNotHave() {
    int code =
        run(
            "infer",
            "--bundle",
            bundle.toString(),
            "--images",
            images.toString(),
            "--out",
            dir.resolve("x.npy").toString(),
            "--output",
            "block7");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("no output 'block7'");
    assertThat(dir.resolve("x.npy")).doesNotExist();
  }
}
