package org.mos.evaluator.evaluate;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.metrics.Convention;
import org.mos.evaluator.report.EvaluationResults;
import org.mos.evaluator.report.ReportWriter;

/**
 * One {@code mos evaluate} run: reads the datasets, opens the models through a {@link
 * TransportFactory}, scores every dataset with every model (through the resumable score store), and
 * writes the report.
 */
public final class EvaluationRun {

  /**
   * What to evaluate.
   *
   * @param id {@code [NAME=]DIR|LIST} of the ID test set
   * @param ood {@code NAME=DIR|LIST} per OOD set, in table order
   * @param bundles {@code [NAME=]LOCATION} per model
   * @param methods {@code --methods} items, or null for each model's defaults
   * @param convention the metric convention
   * @param out the output folder (report files; stored scores under {@code out/scores})
   * @param fresh ignore the stored scores
   * @param policy what an undecodable image does
   * @param odin ODIN's epsilon and temperature as given ({@code --odin-eps}, {@code
   *     --odin-temperature}); absent ones (or null) are each bundle's
   */
  public record Options(
      String id,
      List<String> ood,
      List<String> bundles,
      List<String> methods,
      Convention convention,
      Path out,
      boolean fresh,
      BadFilePolicy policy,
      OdinOptions odin) {

    public Options {
      odin = odin == null ? OdinOptions.BUNDLE : odin;
    }
  }

  /** The results and the table printed. */
  public record Outcome(EvaluationResults results, String table) {}

  /** Wording of the test time in results.json, so the number is read as what it is. */
  static final String TEST_TIME =
      "per method: the time its bundle's methods share (decoding, preprocessing, forward pass)"
          + " plus the method's own scoring, summed over the images, as measured when each image"
          + " was scored (stored scores keep the time of the run that scored them)";

  private final Options options;
  private final TransportFactory transports;
  private final LongSupplier clock;
  private final PrintWriter err;
  private final boolean terminal;

  public EvaluationRun(
      Options options,
      TransportFactory transports,
      LongSupplier clock,
      PrintWriter err,
      boolean terminal) {
    this.options = options;
    this.transports = transports;
    this.clock = clock;
    this.err = err;
    this.terminal = terminal;
  }

  /** Runs the evaluation and writes {@code results.md} and {@code results.json}. */
  public Outcome run() throws IOException {
    long start = clock.getAsLong();
    List<Dataset> datasets = readDatasets();
    List<ScoringModel> models = new ArrayList<>();
    try {
      openModels(models);
      Map<ScoringModel, int[]> labels = new LinkedHashMap<>();
      for (ScoringModel m : models) {
        labels.put(m, IdLabels.of(m, datasets.get(0)));
      }
      List<MethodSelection.Row> rows = MethodSelection.select(models, options.methods());
      checkOdin(rows);
      Evaluation evaluation =
          new Evaluation(
              datasets,
              options.out().resolve("scores"),
              options.fresh(),
              options.policy(),
              clock,
              new ProgressBars(err, terminal, 10),
              err);
      Map<ScoringModel, Evaluation.ModelScores> scores = new LinkedHashMap<>();
      for (ScoringModel m : models) {
        List<String> methods =
            rows.stream().filter(r -> r.model() == m).map(MethodSelection.Row::method).toList();
        if (!methods.isEmpty()) {
          scores.put(m, evaluation.run(m, labels.get(m), methods));
        }
      }
      Map<String, Object> settings = settings(datasets, models, rows);
      double seconds = (clock.getAsLong() - start) / 1e9;
      EvaluationResults results =
          ResultsBuilder.build(datasets, rows, scores, options.convention(), settings, seconds);
      ReportWriter.write(results, options.out());
      return new Outcome(results, ReportWriter.table(results));
    } finally {
      for (ScoringModel m : models) {
        m.transport().close();
      }
    }
  }

  private List<Dataset> readDatasets() throws IOException {
    List<Dataset> datasets = new ArrayList<>();
    datasets.add(Datasets.readId(Datasets.named(options.id(), "--id")));
    LinkedHashSet<String> names = new LinkedHashSet<>(List.of(datasets.get(0).name()));
    for (String o : options.ood()) {
      Dataset set = Datasets.readOod(Datasets.named(o, "--ood"));
      if (!names.add(set.name())) {
        throw new IllegalArgumentException(
            "two datasets are named '" + set.name() + "': give each --ood a distinct NAME=");
      }
      datasets.add(set);
    }
    // the report names files after the sets: refuse names it cannot use before scoring anything
    org.mos.evaluator.report.ReportWriter.checkNames(
        datasets.get(0).name(),
        datasets.subList(1, datasets.size()).stream().map(Dataset::name).toList());
    return datasets;
  }

  private void openModels(List<ScoringModel> into) throws IOException {
    LinkedHashSet<String> names = new LinkedHashSet<>();
    for (String b : options.bundles()) {
      Datasets.NamedPath spec = Datasets.named(b, "--bundle");
      if (!names.add(spec.name())) {
        throw new IllegalArgumentException(
            "two bundles are named '" + spec.name() + "': give them distinct NAME= prefixes");
      }
      ScoringModel model = transports.open(spec.name(), spec.path().toString());
      into.add(model); // in the list at once: run() closes its transport whatever follows
      into.set(into.size() - 1, model.withOdin(options.odin().resolve(model.odin())));
    }
  }

  /**
   * ODIN with epsilon above 0 perturbs the input: refuse it before scoring on a bundle that can't.
   */
  private void checkOdin(List<MethodSelection.Row> rows) {
    for (MethodSelection.Row row : rows) {
      ScoringModel m = row.model();
      if (row.method().equals("odin") && m.odin().perturbs() && !m.inputGradients()) {
        throw new IllegalArgumentException(
            "bundle '"
                + m.name()
                + "' has no gradient graphs, so ODIN cannot perturb its input with epsilon "
                + OdinOptions.number(m.odin().epsilon())
                + " (from "
                + options.odin().epsilonSource(m.odinDeclared())
                + "); re-export the bundle with gradient graphs, or give --odin-eps 0");
      }
    }
  }

  private Map<String, Object> settings(
      List<Dataset> datasets, List<ScoringModel> models, List<MethodSelection.Row> rows) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put(
        "transport",
        String.join(
            ", ", new LinkedHashSet<>(models.stream().map(m -> m.transport().name()).toList())));
    List<Map<String, Object>> bundles = new ArrayList<>();
    for (ScoringModel m : models) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("name", m.name());
      b.put("source", m.source());
      b.put("checksum", m.transport().modelChecksum());
      b.put(
          "methods",
          rows.stream().filter(r -> r.model() == m).map(MethodSelection.Row::method).toList());
      b.putAll(m.details());
      bundles.add(b);
    }
    s.put("bundles", bundles);
    Map<String, Object> odin = new LinkedHashMap<>();
    for (MethodSelection.Row row : rows) {
      if (row.method().equals("odin")) {
        ScoringModel m = row.model();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("epsilon", m.odin().epsilon());
        o.put("temperature", m.odin().temperature());
        o.put(
            "input_perturbation",
            m.odin().perturbs()
                ? "x' = x - epsilon * sign(gradient), on the normalised input"
                : "none (temperature scaling only)");
        o.put("from", options.odin().source(m.odinDeclared()));
        odin.put(m.name(), o);
      }
    }
    if (!odin.isEmpty()) {
      s.put("odin", odin);
    }
    Dataset id = datasets.get(0);
    Map<String, Object> idInfo = new LinkedHashMap<>();
    idInfo.put("source", id.source().toString());
    idInfo.put("images", id.size());
    idInfo.put(
        "labels",
        id.classNames() != null
            ? "ImageFolder: class folders matched to the bundle's class names"
            : id.samples().get(0).hasGroup()
                ? "list file: group index_in_group, mapped through the bundle's group layout"
                : "list file: flat labels");
    s.put("id_set", idInfo);
    Map<String, Object> oodInfo = new LinkedHashMap<>();
    for (Dataset d : datasets.subList(1, datasets.size())) {
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("source", d.source().toString());
      info.put("images", d.size());
      oodInfo.put(d.name(), info);
    }
    s.put("ood_sets", oodInfo);
    s.put("test_time", TEST_TIME);
    return s;
  }
}
