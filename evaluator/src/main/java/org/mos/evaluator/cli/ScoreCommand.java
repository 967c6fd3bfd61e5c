package org.mos.evaluator.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mos.common.io.AtomicFiles;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.common.layout.GroupLayout;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.KlLabelSource;
import org.mos.common.score.MethodId;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.OodScore;
import org.mos.common.score.ScoreSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mos score}: OOD scores of a logits file, one text file per method. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Computes OOD scores (higher = more in-distribution) from a 2-D .npy of logits "
          + "(rows = inputs, float32 or float64; float64 is rounded to float32) and writes "
          + "DIR/<method>.txt with one score per line, in input order.",
      "Methods: mos (needs a group layout), msp, maxlogit, energy (T default 1), "
          + "odin (T default 1000, no input perturbation), kl (needs --kl-means), "
          + "gen (gamma 0.1, M 100; gen@gamma=G@m=M overrides them). Shaping methods "
          + "(react, ash-*, scale, dice) need features and a model: use mos evaluate."
    })
public class ScoreCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--logits",
      required = true,
      paramLabel = "FILE.npy",
      description = "2-D array of logits, rows x logits.")
  Path logits;

  @Option(
      names = "--layout",
      defaultValue = "flat",
      paramLabel = "LAYOUT",
      description = {
        "'flat' (default), group sizes as s1,s2,... (e.g. 398,521,9,7,52,8,3,2), or a file:",
        ".npy (1-D integer sizes), .json (list of sizes), .txt (sizes) or .tsv class table "
            + "(wnid flat_index group index_in_group)."
      })
  String layout;

  @Option(
      names = "--methods",
      required = true,
      split = ",",
      paramLabel = "ID",
      description =
          "Comma-separated method ids: mos, msp, maxlogit, energy, odin, kl, gen (parameters as"
              + " gen@gamma=0.5@m=10).")
  List<String> methods;

  @Option(
      names = "--temperature",
      paramLabel = "T",
      description = "Temperature of energy and odin (default: 1 for energy, 1000 for odin).")
  Double temperature;

  @Option(
      names = "--kl-means",
      paramLabel = "FILE.npy",
      description = "Class-mean softmax vectors for kl: classes x logits, row c = class c.")
  Path klMeans;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output folder (created if missing).")
  Path out;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      run();
      return 0;
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      err.println("mos score: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  private void run() throws IOException {
    Map<String, MethodId> chosen = chooseMethods();
    FloatMatrix batch = readLogits();
    GroupLayout groups = resolveLayout(batch.cols());
    if (chosen.containsKey("mos") && groups.isFlat()) {
      throw new IllegalArgumentException(
          "method 'mos' needs a group layout: give --layout as group sizes or a layout file");
    }
    ScoreSettings.Builder settings =
        ScoreSettings.builder().layout(groups).temperature(temperature);
    if (klMeans != null) {
      settings.klMeans(readKlMeans(klMeans));
    }
    ScoreSettings built = settings.build();
    List<OodScore> scores = new ArrayList<>();
    for (MethodId m : chosen.values()) {
      scores.add(m.create(built));
    }
    Files.createDirectories(out);
    ModelOutputs outputs = ModelOutputs.ofLogits(batch);
    for (OodScore s : scores) {
      writeScores(out.resolve(s.id() + ".txt"), s.score(outputs));
    }
    PrintWriter o = spec.commandLine().getOut();
    o.printf(
        "scored %d rows x %d logits (%s) with %s -> %s%n",
        batch.rows(), batch.cols(), groups, String.join(", ", chosen.keySet()), out);
    o.flush();
  }

  private Map<String, MethodId> chooseMethods() {
    Map<String, MethodId> chosen = new LinkedHashMap<>();
    for (String id : methods) {
      if (id.isBlank()) {
        continue;
      }
      MethodId m = MethodId.parse(id);
      if (m.shaping() != null) {
        throw new IllegalArgumentException(
            "method '"
                + m.id()
                + "' shapes the penultimate features before the head; this command reads logits"
                + " only (score it with mos evaluate)");
      }
      if (!m.score().needsOnlyLogits()) {
        throw new IllegalArgumentException(
            "method '" + m.id() + "' needs layer features; this command reads logits only");
      }
      chosen.put(m.id(), m);
    }
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("--methods names no method");
    }
    return chosen;
  }

  private FloatMatrix readLogits() throws IOException {
    NpyArray array = Npy.read(logits);
    if (array.rank() != 2) {
      throw new IOException(
          logits
              + ": expected a 2-D array (rows x logits) but the shape is "
              + Arrays.toString(array.shape()));
    }
    if (array.shape()[0] == 0 || array.shape()[1] == 0) {
      throw new IOException(
          logits + ": the array is empty (shape " + Arrays.toString(array.shape()) + ")");
    }
    try {
      return FloatMatrix.of(array);
    } catch (IllegalArgumentException e) {
      throw new IOException(logits + ": " + e.getMessage(), e);
    }
  }

  private GroupLayout resolveLayout(int logitCount) throws IOException {
    String text = layout.strip();
    GroupLayout resolved;
    if (text.equalsIgnoreCase("flat")) {
      resolved = GroupLayout.flat(logitCount);
    } else if (Files.exists(Path.of(text))) {
      resolved = GroupLayout.read(Path.of(text));
    } else if (text.matches("[0-9][0-9,\\s]*")) {
      resolved = GroupLayout.ofSizes(text);
    } else {
      throw new IllegalArgumentException(
          "--layout '" + text + "' is neither 'flat', an existing file nor sizes like 4,3,2");
    }
    try {
      resolved.checkLogitCount(logitCount);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(logits + ": " + e.getMessage(), e);
    }
    return resolved;
  }

  private static KlClassMeans readKlMeans(Path file) throws IOException {
    NpyArray array = Npy.read(file);
    if (array.rank() != 2) {
      throw new IOException(
          file
              + ": expected a 2-D array (classes x logits) but the shape is "
              + Arrays.toString(array.shape()));
    }
    double[][] means = array.toMatrix();
    int[] classes = new int[means.length];
    Arrays.setAll(classes, c -> c);
    try {
      return new KlClassMeans(KlLabelSource.TRUE_LABELS, classes, means);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** Writes one score per line through a temporary file, so readers never see half a file. */
  static void writeScores(Path file, double[] scores) throws IOException {
    AtomicFiles.write(
        file,
        out -> {
          try (Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))) {
            StringBuilder line = new StringBuilder(32);
            for (double s : scores) {
              line.setLength(0);
              line.append(s).append('\n');
              w.append(line);
            }
          }
        });
  }
}
