package org.mos.evaluator.report;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.mos.common.io.AtomicFiles;
import org.mos.common.metrics.OodMetrics;

/**
 * Writes an evaluation run's report into a folder:
 *
 * <ul>
 *   <li>{@code results.md}: the paper's table (AUROC / FPR95 per OOD set, average, test time), the
 *       AUPR table, ID accuracy per bundle, datasets, settings, skipped images by reason;
 *   <li>{@code results.json}: every metric as a fraction, settings, accuracy, counts, pictures and
 *       the full skipped list;
 *   <li>{@code results.csv}: one row per method and OOD set plus an average row per method;
 *   <li>{@code figures/roc-*.png} (one per OOD set, every method) and {@code
 *       figures/histogram-*.png} (one per method, ID and every OOD set overlaid);
 *   <li>{@code report.html}: all of it on one self-contained page (pictures embedded).
 * </ul>
 *
 * Every file is written to a temporary name and moved into place, so an interrupted run never
 * leaves a half-written file; a re-run replaces the files and removes pictures of the previous run
 * that it did not draw again. Metrics come from common's {@code ScoreRanking}, the same code as
 * {@code mos metrics}. When the pictures cannot be drawn (for example a Java runtime without
 * fonts), the other files are still written and say why.
 */
public final class ReportWriter {

  static final String FIGURES = "figures";
  static final String[] FILES = {"results.md", "results.json", "results.csv", "report.html"};

  private ReportWriter() {}

  /** Writes the report files into {@code outDir} (created when missing). */
  public static void write(EvaluationResults results, Path outDir) throws IOException {
    write(results, outDir, ReportFigures::draw);
  }

  /** {@link #write(EvaluationResults, Path)} with the pictures drawn by {@code painter}. */
  static void write(
      EvaluationResults results, Path outDir, Function<RunMetrics, List<Figure>> painter)
      throws IOException {
    Files.createDirectories(outDir);
    RunMetrics run = RunMetrics.of(results);
    List<Figure> figures = new ArrayList<>();
    String figureProblem = null;
    try {
      figures = painter.apply(run);
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError && !(e instanceof InternalError)) {
        throw (VirtualMachineError) e;
      }
      figureProblem = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    writeFigures(outDir.resolve(FIGURES), figures);
    AtomicFiles.writeString(outDir.resolve("results.csv"), CsvReport.of(run));
    AtomicFiles.writeString(
        outDir.resolve("results.json"), JsonReport.of(run, figures, figureProblem));
    AtomicFiles.writeString(
        outDir.resolve("results.md"), MarkdownReport.document(run, figures, figureProblem));
    // Last, so a report page on disk always belongs to complete result files.
    AtomicFiles.writeString(
        outDir.resolve("report.html"), HtmlReport.of(run, figures, figureProblem));
    removeTemporaryLeftovers(outDir, Arrays.stream(FILES).map(f -> f + ".").toList());
  }

  /**
   * The console summary: the paper's table (one row per method, AUROC / FPR95 (%) per OOD set and
   * their average, the method's test time in seconds), the AUPR-In / AUPR-Out table, the ID
   * accuracy per bundle and a note for every metric that is not available.
   */
  public static String table(EvaluationResults results) {
    return MarkdownReport.summary(RunMetrics.of(results));
  }

  /**
   * The metrics of one method against each OOD set, in report order.
   *
   * @throws IllegalArgumentException when the method has no scores for a set, or its scores cannot
   *     be ranked (empty, NaN)
   */
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

  /**
   * Checks the dataset names a report will use, so a run can fail at its start rather than at its
   * report ({@link #write} checks them too): the ID name must be non-blank, the OOD names
   * non-blank, distinct (case-insensitive: they become file names) and none may be called {@code
   * average} (the mean rows have that name) or share the ID set's name.
   *
   * @throws IllegalArgumentException naming the offending name and what was expected
   */
  public static void checkNames(String idName, List<String> oodSets) {
    if (idName == null || idName.isBlank()) {
      throw new IllegalArgumentException("the ID set needs a non-blank name");
    }
    Set<String> seen = new HashSet<>();
    for (String ood : oodSets) {
      if (ood == null || ood.isBlank()) {
        throw new IllegalArgumentException("OOD set names must be non-blank, got '" + ood + "'");
      }
      String key = ood.toLowerCase(Locale.ROOT);
      if (!seen.add(key)) {
        throw new IllegalArgumentException(
            "OOD set '" + ood + "' appears twice: expected distinct names (ignoring case)");
      }
      if (key.equals(CsvReport.AVERAGE) || ood.equals(idName)) {
        throw new IllegalArgumentException(
            "an OOD set may not be called '"
                + ood
                + "': that is the name of "
                + (ood.equals(idName) ? "the ID set" : "the mean rows"));
      }
    }
  }

  private static void writeFigures(Path dir, List<Figure> figures) throws IOException {
    Files.createDirectories(dir);
    Set<String> current = new HashSet<>();
    for (Figure f : figures) {
      Path file = dir.getParent().resolve(f.path());
      AtomicFiles.write(file, f.png());
      current.add(file.getFileName().toString());
    }
    // Pictures of an earlier run into the same folder (other OOD sets or methods) would otherwise
    // linger next to the new ones; only files named like ours are touched.
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "{roc,histogram}-*.png")) {
      for (Path p : old) {
        if (!current.contains(p.getFileName().toString())) {
          Files.deleteIfExists(p);
        }
      }
    }
    removeTemporaryLeftovers(dir, List.of("roc-", "histogram-"));
  }

  /**
   * Removes the temporary files that an interrupted earlier run left behind: those whose target's
   * name starts with one of the prefixes.
   */
  private static void removeTemporaryLeftovers(Path dir, List<String> prefixes) throws IOException {
    try (DirectoryStream<Path> all =
        Files.newDirectoryStream(dir, ".*" + AtomicFiles.TEMP_SUFFIX)) {
      for (Path p : all) {
        String name = p.getFileName().toString();
        if (prefixes.stream().anyMatch(n -> name.startsWith("." + n))) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * A file-name part for a set or method name: lower-case ASCII letters and digits, other runs of
   * characters as one hyphen; {@code fallback} when nothing is left.
   */
  static String slug(String name, String fallback) {
    String s =
        String.valueOf(name)
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9]+", "-")
            .replaceAll("^-+|-+$", "");
    if (s.length() > 60) {
      s = s.substring(0, 60).replaceAll("-+$", "");
    }
    return s.isEmpty() ? fallback : s;
  }

  /** One unique slug per name, in order: a repeated slug gets "-2", "-3", ... */
  static List<String> uniqueSlugs(List<String> names, String fallback) {
    List<String> out = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (String name : names) {
      String base = slug(name, fallback);
      String s = base;
      for (int n = 2; !used.add(s); n++) {
        s = base + "-" + n;
      }
      out.add(s);
    }
    return out;
  }
}
