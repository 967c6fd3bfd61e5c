package org.mos.evaluator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mos.common.metrics.Convention;
import org.mos.common.metrics.MetricsReport;
import org.mos.common.metrics.OodMetrics;
import org.mos.common.metrics.ScoreFile;
import org.mos.common.metrics.ScoreRanking;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code mos metrics}: AUROC, AUPR-In, AUPR-Out and FPR95 of score files, as in the paper. */
@Command(
    name = "metrics",
    sortOptions = false,
    description = {
      "Computes AUROC, AUPR-In, AUPR-Out and FPR95 of ID scores against one or more OOD score"
          + " sets, plus their average.",
      "Scores: higher = more in-distribution. A score file is text with one number per line"
          + " (blank lines are skipped; inf and -inf allowed, NaN not) or a 1-D float32/float64"
          + " .npy array.",
    },
    footer = {
      "",
      "Conventions:",
      "  paper    the MOS paper (get_measures): ID positive; AUPR = average precision;",
      "           FPR95 = share of OOD accepted at the ID recall closest to 95%%.",
      "  openood  OpenOOD v1.5: OOD positive; trapezoidal AUPR; FPR95 = share of ID",
      "           flagged as OOD when 95%% of OOD are detected.",
      "",
      "Exit status: 0 on success, 1 for an unreadable or invalid score file, 2 for bad options.",
      "",
      "Example: mos metrics --id imagenet.npy --ood SUN=sun.txt --ood Places=places.npy",
    })
public class MetricsCommand implements Callable<Integer> {

  /** Output formats of {@code --format}. */
  enum Format {
    TABLE,
    JSON,
    CSV
  }

  /** Reads {@code --convention} by the convention's id. */
  static final class ConventionConverter implements ITypeConverter<Convention> {
    @Override
    public Convention convert(String value) {
      try {
        return Convention.fromId(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Reads {@code --format} in lower case, as the help shows it. */
  static final class FormatConverter implements ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      for (Format f : Format.values()) {
        if (f.name().toLowerCase(Locale.ROOT).equals(value)) {
          return f;
        }
      }
      throw new TypeConversionException(
          "unknown format '" + value + "': expected one of table, json, csv");
    }
  }

  @Spec CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  @Option(
      names = "--id",
      required = true,
      paramLabel = "FILE",
      description = "Scores of the in-distribution test set.")
  Path idFile;

  @Option(
      names = "--ood",
      required = true,
      paramLabel = "NAME=FILE",
      description = "An OOD set's name and score file; repeat for several sets (printed in order).")
  List<String> oodSets = new ArrayList<>();

  @Option(
      names = "--convention",
      paramLabel = "paper|openood",
      defaultValue = "paper",
      converter = ConventionConverter.class,
      description = "Metric definitions (default: ${DEFAULT-VALUE}); see below.")
  Convention convention = Convention.PAPER;

  @Option(
      names = "--format",
      paramLabel = "table|json|csv",
      defaultValue = "table",
      converter = FormatConverter.class,
      description =
          "table: the paper's layout in percent; json and csv: fractions in [0, 1]"
              + " (default: ${DEFAULT-VALUE}).")
  Format format = Format.TABLE;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      List<NamedFile> sets = parseOodSets();
      double[] id = ScoreFile.read(idFile);
      List<MetricsReport.Entry> entries = new ArrayList<>();
      for (NamedFile set : sets) {
        double[] ood = ScoreFile.read(set.file());
        OodMetrics m = ScoreRanking.of(id, ood).metrics(convention);
        entries.add(new MetricsReport.Entry(set.name(), m));
      }
      MetricsReport report = new MetricsReport(convention, entries);
      out.print(
          switch (format) {
            case TABLE -> report.toTable();
            case JSON -> report.toJson();
            case CSV -> report.toCsv();
          });
      out.flush();
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      err.println("mos metrics: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  private record NamedFile(String name, Path file) {}

  /** Splits each {@code NAME=FILE} at its first '=' (a file name may contain more). */
  private List<NamedFile> parseOodSets() {
    List<NamedFile> sets = new ArrayList<>();
    for (String value : oodSets) {
      int eq = value.indexOf('=');
      if (eq <= 0 || eq == value.length() - 1) {
        throw new IllegalArgumentException(
            "--ood expects NAME=FILE (for example SUN=sun_scores.txt) but got '" + value + "'");
      }
      String name = value.substring(0, eq);
      // Checked before any file is read, so a typo does not cost a long read first.
      if (name.equalsIgnoreCase(MetricsReport.AVERAGE)) {
        throw new IllegalArgumentException(
            "--ood " + value + ": '" + name + "' is the name of the average row; pick another");
      }
      if (sets.stream().anyMatch(s -> s.name().equals(name))) {
        throw new IllegalArgumentException(
            "--ood " + value + ": the name '" + name + "' is used twice");
      }
      sets.add(new NamedFile(name, Path.of(value.substring(eq + 1))));
    }
    return sets;
  }
}
