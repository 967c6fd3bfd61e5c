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

  @Option(
      names = "--arch",
      required = true,
      description =
          "Architecture: a BiT name (R50x1, BiT-S-R101x1, ...) or units=A,B,C,D/width=W; the"
              + " weights must match it")
  String architecture;

  @Option(
      names = "--layout",
      required = true,
      description =
          "Head layout: 'flat', group sizes (398,521,9,7,52,8,3,2) or a file: a class table .tsv"
              + " (wnid flat_index group index_in_group), .npy or .json group sizes")
  String layout;

  @Option(
      names = "--classes",
      description =
          "Class names: a class table .tsv (names by flat_index) or a text file with one name per"
              + " line in flat-label order")
  Path classes;

  @Option(
      names = "--input-size",
      defaultValue = "480",
      description = "Square input side of the test preprocessing (default: ${DEFAULT-VALUE})")
  int inputSize;

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

  /** The layout of a head with {@code numLogits} logits. */
  GroupLayout layout(int numLogits) throws IOException {
    GroupLayout result;
    String value = layout.trim();
    if (value.equals("flat")) {
      result = GroupLayout.flat(numLogits);
    } else if (value.matches("[0-9,\\s]+")) {
      result = GroupLayout.ofSizes(value);
    } else {
      result = GroupLayout.read(Path.of(value));
    }
    if (classes != null) {
      result = result.withClassNames(readNames(classes));
    }
    result.checkLogitCount(numLogits);
    return result;
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
