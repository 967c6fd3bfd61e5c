package org.mos.evaluator.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mos.common.data.DatasetException;
import org.mos.common.data.FashionMnist;
import org.mos.common.data.demo.DemoBenchmark;
import org.mos.common.data.demo.DemoSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mos data demo}: writes the built-in demo benchmark as image folders. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Write the built-in demo benchmark (no downloads, deterministic): train/, val/, test/ and"
          + " ood/ image folders of RGB PNGs, taxonomy.tsv, groups.json, list files and a README.",
      "generated: 12 shape classes in 4 groups (curve, letter, polygon, stroke), 32x32;"
          + " OOD sets near-shapes, far-textures, far-noise. At --scale 1: 200/50/50 images per"
          + " class for train/val/test, 400 per OOD set.",
      "fashion-mnist: 9 classes in 3 groups (bottoms, footwear, tops), 28x28; OOD sets near-bag,"
          + " far-textures, far-noise. At --scale 1: 300/50/100 per class, 400 per OOD set."
          + " Needs the Debian package dataset-fashion-mnist (or --fashion-mnist-dir)."
    })
public class DataDemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "DIR",
      description = "Folder to create (must not exist, or be empty, unless --force).")
  Path out;

  @Option(
      names = "--source",
      paramLabel = "SOURCE",
      defaultValue = "generated",
      description = "generated or fashion-mnist (default: ${DEFAULT-VALUE}).")
  String source;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "1",
      description = "Seed; the same seed writes byte-identical files (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--scale",
      defaultValue = "1.0",
      paramLabel = "F",
      description = "Factor for every image count, > 0 and <= 20 (default: ${DEFAULT-VALUE}).")
  double scale;

  @Option(
      names = "--image-size",
      defaultValue = "32",
      paramLabel = "PX",
      description = "Side of the generated images, 16..256 (default: ${DEFAULT-VALUE}).")
  int imageSize;

  @Option(
      names = "--fashion-mnist-dir",
      paramLabel = "DIR",
      description =
          "Folder with the Fashion-MNIST IDX files (default: "
              + FashionMnist.DEBIAN_DIRECTORY
              + ").")
  Path fashionMnistDir;

  @Option(names = "--force", description = "Replace DIR if it exists.")
  boolean force;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      DemoBenchmark.Builder builder =
          DemoBenchmark.builder()
              .setOut(out)
              .optSource(DemoBenchmark.Source.of(source))
              .optSeed(seed)
              .optScale(scale)
              .optImageSize(imageSize)
              .optOverwrite(force)
              .optProgress(new TenPercentSteps(err));
      if (fashionMnistDir != null) {
        builder.optFashionMnistDirectory(fashionMnistDir);
      }
      DemoSummary summary = builder.build().write();
      spec.commandLine().getOut().print(summary.format());
      spec.commandLine().getOut().flush();
      return 0;
    } catch (DatasetException | IllegalArgumentException | UncheckedIOException e) {
      String message = e.getMessage();
      if (e instanceof DatasetException && message.contains("already exists")) {
        message += " (pass --force to replace it)";
      }
      err.println("mos data demo: " + message);
      err.flush();
      return 1;
    }
  }

  /** Prints "written N of M images" at every tenth of the work. */
  static final class TenPercentSteps implements DemoBenchmark.Progress {
    private final PrintWriter err;
    private int lastTenth = -1;

    TenPercentSteps(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void update(int done, int total) {
      int tenth = total == 0 ? 10 : (int) (10L * done / total);
      if (tenth != lastTenth) {
        lastTenth = tenth;
        err.printf(
            "written %d of %d images (%d%%)%n",
            done, total, total == 0 ? 100 : 100L * done / total);
        err.flush();
      }
    }
  }
}
