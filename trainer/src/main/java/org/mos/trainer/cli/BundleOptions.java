package org.mos.trainer.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mos.common.layout.GroupLayout;
import picocli.CommandLine.Option;

/** Options shared by {@code export} and {@code import}: the head's layout, names and output. */
public final class BundleOptions {

  /** BiT's test side for ImageNet-sized images, when nothing else says which. */
  static final int DEFAULT_INPUT_SIZE = 480;

  @Option(
      names = "--arch",
      description =
          "Architecture: a BiT name (R50x1, BiT-S-R101x1, ...) or units=A,B,C,D/width=W; the"
              + " weights must match it (export: default the training run's)")
  String architecture;

  @Option(
      names = "--layout",
      description =
          "Head layout: 'flat', group sizes (398,521,9,7,52,8,3,2) or a file: a class table .tsv"
              + " (wnid flat_index group index_in_group), .npy or .json group sizes (export:"
              + " default the training run's; import --bit-npz: flat)")
  String layout;

  @Option(
      names = "--classes",
      description =
          "Class names: a class table .tsv (names by flat_index) or a text file with one name per"
              + " line in flat-label order")
  Path classes;

  @Option(
      names = "--input-size",
      description =
          "Square input side of the test preprocessing (default: the training run's crop for"
              + " export, else "
              + DEFAULT_INPUT_SIZE
              + ")")
  Integer inputSize;

  @Option(names = "--out", required = true, description = "Bundle folder (or zip file with --zip)")
  Path out;

  @Option(names = "--zip", description = "Write the bundle as one zip file")
  boolean zip;

  @Option(
      names = "--no-gradient-graphs",
      description =
          "Leave out vjp_logits.onnx and odin_gradient.onnx (a third of the size; no ODIN input"
              + " perturbation)")
  boolean noGradientGraphs;

  @Option(names = "--replace", description = "Replace an existing bundle at --out")
  boolean replace;

  /** The input side: {@code --input-size}, else {@code fallback}. */
  int inputSize(int fallback) {
    return inputSize != null ? inputSize : fallback;
  }

  /**
   * The layout of a head with {@code numLogits} logits: {@code --layout}, else {@code fallback};
   * {@code --classes} names its classes.
   *
   * @param fallback the layout when {@code --layout} is not given (not null then)
   */
  GroupLayout layout(int numLogits, GroupLayout fallback) throws IOException {
    GroupLayout result = layout != null ? givenLayout(numLogits) : fallback;
    if (classes != null) {
      List<String> names = readNames(classes);
      try {
        result = result.withClassNames(names);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--classes " + classes + ": " + e.getMessage(), e);
      }
    }
    result.checkLogitCount(numLogits);
    return result;
  }

  /** The layout {@code --layout} names, for a head of {@code numLogits} when it says flat. */
  GroupLayout givenLayout(int numLogits) throws IOException {
    String value = layout.trim();
    if (value.equals("flat")) {
      return GroupLayout.flat(numLogits);
    } else if (value.matches("[0-9,\\s]+")) {
      return GroupLayout.ofSizes(value);
    }
    return GroupLayout.read(Path.of(value));
  }

  static List<String> readNames(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> rows = new ArrayList<>();
    for (String line : lines) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("#")) {
        rows.add(l);
      }
    }
    if (!rows.isEmpty() && rows.get(0).matches("(?s).*\\bwnid\\b.*\\bflat_index\\b.*")) {
      // a class table: reading it as a layout orders the names by flat label
      try {
        return GroupLayout.read(file).classNames();
      } catch (IOException e) {
        throw new IOException("--classes " + e.getMessage(), e);
      }
    }
    List<String> names = new ArrayList<>();
    for (String row : rows) {
      names.add(row.split("\\s+")[0]);
    }
    return names;
  }
}
