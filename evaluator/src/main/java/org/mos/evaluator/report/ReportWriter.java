package org.mos.evaluator.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mos.common.metrics.OodMetrics;

/**
 * Writes an evaluation run's report: the paper's table ({@code results.md}) and the numbers ({@code
 * results.json}). Every file is written to a temporary name and moved into place, so an interrupted
 * run never leaves a half-written report.
 */
public final class ReportWriter {

  private ReportWriter() {}

  /** Writes the report files into {@code outDir} (created when missing). */
  public static void write(EvaluationResults results, Path outDir) throws IOException {
    Files.createDirectories(outDir);
    writeAtomically(outDir.resolve("results.md"), table(results));
    writeAtomically(outDir.resolve("results.json"), json(results));
  }

  /**
   * The paper's table: one row per method, AUROC / FPR95 (%) per OOD set and their average, and the
   * method's test time in seconds.
   */
  public static String table(EvaluationResults results) {
    StringBuilder out = new StringBuilder();
    out.append("| method |");
    for (String ood : results.oodSets()) {
      out.append(' ').append(ood).append(" |");
    }
    out.append(" average | test time (s) |\n|---|");
    out.append("---|".repeat(results.oodSets().size() + 2)).append('\n');
    for (MethodResult m : results.methods()) {
      List<OodMetrics> all = metrics(results, m);
      out.append("| ").append(m.label()).append(" |");
      for (OodMetrics x : all) {
        out.append(' ').append(cell(x)).append(" |");
      }
      out.append(' ').append(cell(OodMetrics.mean(all))).append(" |");
      out.append(String.format(Locale.ROOT, " %.1f |%n", m.seconds()));
    }
    return out.toString();
  }

  /** The metrics of one method against each OOD set, in report order. */
  public static List<OodMetrics> metrics(EvaluationResults results, MethodResult method) {
    List<OodMetrics> all = new ArrayList<>();
    for (String ood : results.oodSets()) {
      double[] scores = method.oodScores().get(ood);
      if (scores == null) {
        throw new IllegalArgumentException(
            "method " + method.label() + " has no scores for OOD set '" + ood + "'");
      }
      all.add(OodMetrics.compute(method.idScores(), scores, results.convention()));
    }
    return all;
  }

  private static String cell(OodMetrics m) {
    return String.format(Locale.ROOT, "%.2f / %.2f", 100 * m.auroc(), 100 * m.fpr95());
  }

  private static String json(EvaluationResults results) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("convention", results.convention().id());
    root.put("id", results.idName());
    root.put("seconds", results.seconds());
    root.set("settings", mapper.valueToTree(results.settings()));
    root.set("id_accuracy", mapper.valueToTree(results.idAccuracy()));
    var methods = root.putArray("methods");
    for (MethodResult m : results.methods()) {
      ObjectNode node = methods.addObject();
      node.put("method", m.method());
      node.put("label", m.label());
      node.put("bundle", m.bundle());
      node.put("seconds", m.seconds());
      List<OodMetrics> all = metrics(results, m);
      ObjectNode per = node.putObject("ood");
      for (int i = 0; i < all.size(); i++) {
        per.set(results.oodSets().get(i), mapper.valueToTree(all.get(i)));
      }
      node.set("average", mapper.valueToTree(OodMetrics.mean(all)));
    }
    root.set("skipped", mapper.valueToTree(results.skipped()));
    return mapper.writeValueAsString(root) + "\n";
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
