package org.mos.evaluator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.PythonStringOrder;
import org.mos.common.data.Sample;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleStream;
import org.mos.common.inference.Device;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.io.Npy;
import org.mos.common.score.FloatMatrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mos infer}: runs a bundle's ONNX graph over images and writes its outputs as .npy. */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs a model bundle over images (sorted by path; the paper's test preprocessing at the"
          + " bundle's input size) and writes one row per image to a float32 .npy, in that order.",
    })
public class InferCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--bundle",
      required = true,
      paramLabel = "BUNDLE",
      description = "Bundle folder or .zip.")
  Path bundle;

  @Option(
      names = "--images",
      required = true,
      paramLabel = "DIR|LIST",
      description =
          "A folder of images (any depth) or a text file with one image path per line (first"
              + " field; relative paths are resolved against the list's folder).")
  Path images;

  @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "Output .npy.")
  Path out;

  @Option(
      names = "--output",
      defaultValue = "logits",
      paramLabel = "NAME",
      description = "Graph output to write: logits (default), features, or another output name.")
  String output;

  @Option(names = "--batch-size", defaultValue = "16", description = "Images per run (default 16).")
  int batchSize;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu (default) or cuda.")
  String device;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "ONNX Runtime intra-op threads (default 0 = automatic).")
  int threads;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (batchSize < 1) {
      err.println("--batch-size is " + batchSize + "; expected 1 or more");
      return 2;
    }
    List<Path> paths;
    try {
      paths = listImages(images);
    } catch (RuntimeException e) {
      err.println(e.getMessage());
      return 2;
    }
    try (ModelBundle opened = ModelBundle.open(bundle);
        BundleModel model =
            BundleModel.open(opened, new InferenceOptions(Device.parse(device), false, threads))) {
      if (!model.outputNames().contains(output)) {
        err.println("the bundle has no output '" + output + "'; it has " + model.outputNames());
        return 2;
      }
      float[] all = null;
      int cols = 0;
      // FAIL: the first unreadable image in path order stops the run, as one decoding loop would
      try (BundleStream<Path> stream =
          BundleStream.builder(model, paths, ImageSource::of)
              .optBatchSize(batchSize)
              .optBadFilePolicy(BadFilePolicy.FAIL)
              .build()) {
        while (stream.hasNext()) {
          BundleStream<Path>.Batch batch = stream.next();
          FloatMatrix rows = batch.outputs(List.of(output)).get(output);
          if (all == null) {
            cols = rows.cols();
            all = new float[paths.size() * cols];
          }
          int from = batch.inputIndices()[0];
          System.arraycopy(rows.toArray(), 0, all, from * cols, batch.size() * cols);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        err.println("interrupted");
        return 1;
      }
      Npy.writeFloat32(out, all, paths.size(), cols);
      spec.commandLine()
          .getOut()
          .printf(
              "wrote %s: %d images x %d (%s, %s)%n",
              out, paths.size(), cols, output, model.device().id());
      return 0;
    } catch (ImageDecodeException e) {
      err.println("cannot decode an image: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
  }

  /** The images of a folder or list file, sorted by path. */
  static List<Path> listImages(Path source) throws IOException {
    if (Files.isDirectory(source)) {
      return ImageFiles.list(source).stream().map(Sample::path).toList();
    }
    if (!Files.isRegularFile(source)) {
      throw new IllegalArgumentException(source + " is neither a folder of images nor a list file");
    }
    Path base = source.toAbsolutePath().getParent();
    TreeMap<String, Path> sorted = new TreeMap<>(PythonStringOrder.COMPARATOR);
    for (String line : Files.readAllLines(source)) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String first = trimmed.split("\\s+", 2)[0];
      Path p = base.resolve(first).normalize();
      sorted.put(p.toString(), p);
    }
    if (sorted.isEmpty()) {
      throw new IllegalArgumentException(source + " lists no images");
    }
    return new ArrayList<>(sorted.values());
  }
}
