package org.mos.evaluator.fit;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.fit.ActivationLog;
import org.mos.common.fit.FitProvenance;
import org.mos.common.inference.BundleModel;
import org.mos.common.metrics.Convention;
import org.mos.common.metrics.OodMetrics;
import org.mos.common.onnx.LinearHead;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.HeadWeights;
import org.mos.common.score.MethodId;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.ScoreSettings;

/**
 * OpenOOD's automatic parameter search ({@code evaluator.py} L384-L425, METHODS.md §9): for each
 * method, every point of its grid is scored on an ID validation set and an OOD validation set, and
 * the first point with the highest AUROC is kept (strict {@code >}). ReAct's c is the percentile of
 * the ID validation set's activations, as OpenOOD computes it. The grids are OpenOOD's: ReAct {85,
 * 90, 95, 99}; ASH and SCALE {65, 70, ..., 95}; GEN gamma {0.01, 0.1, 0.5, 1, 2, 5, 10} x M {10,
 * 50, 100, 200, 500, 1000}. The grid, every AUROC and the choice are stored with the method's
 * statistics.
 */
final class ShapingSearch {

  static final List<Double> REACT_GRID = List.of(85.0, 90.0, 95.0, 99.0);
  static final List<Double> PERCENTILE_GRID = List.of(65.0, 70.0, 75.0, 80.0, 85.0, 90.0, 95.0);
  static final List<Double> GEN_GAMMAS = List.of(0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0);
  static final List<Double> GEN_MS = List.of(10.0, 50.0, 100.0, 200.0, 500.0, 1000.0);

  private final OutputCollector collector;
  private final PrintWriter out;

  ShapingSearch(OutputCollector collector, PrintWriter out) {
    this.collector = collector;
    this.out = out;
  }

  /** Features and logits of a whole set, and what was read. */
  private record Outputs(ModelOutputs outputs, OutputCollector.Report read) {}

  void search(
      BundleManifest manifest,
      Path model,
      ImageSet idSet,
      ImageSet oodSet,
      ShapingPlan plan,
      NewBundle next) {
    HeadWeights head;
    try {
      LinearHead h = LinearHead.read(model, BundleModel.LOGITS);
      head = HeadWeights.of(h.weight(), h.bias());
    } catch (IOException | RuntimeException e) {
      throw FitException.usage(
          "--search-ood: the shaping methods need the classifier head, and none was found in"
              + " model.onnx: "
              + e.getMessage());
    }
    ScoreSettings settings = ScoreSettings.builder().head(head).build();
    Outputs id = collect("search ID set", idSet);
    Outputs ood = collect("search OOD set", oodSet);
    Map<String, Object> sets = new LinkedHashMap<>();
    sets.put("id_set", describe(idSet, id.read()));
    sets.put("ood_set", describe(oodSet, ood.read()));
    for (String method : plan.searchMethods()) {
      List<Map<String, Object>> points = new ArrayList<>();
      Map<String, Double> best = null;
      double bestAuroc = Double.NEGATIVE_INFINITY;
      ActivationLog log = null;
      if (method.equals("react")) {
        log = new ActivationLog(Integer.MAX_VALUE);
        log.add(id.outputs().features());
      }
      for (Map<String, Double> point : grid(method)) {
        Map<String, Double> params = new LinkedHashMap<>(point);
        if (log != null) {
          params.put("clip", log.percentile(point.get("percentile")));
        }
        StringBuilder spelled = new StringBuilder(method);
        params.forEach(
            (k, v) -> {
              if (!k.equals("percentile")) {
                spelled.append('@').append(k).append('=').append(v);
              }
            });
        MethodId mid = MethodId.parse(spelled.toString());
        Map<String, Object> row = new LinkedHashMap<>(params);
        org.mos.common.score.OodScore score;
        try {
          score = mid.create(settings);
        } catch (IllegalArgumentException e) {
          // e.g. a percentile that keeps no activation of a narrow head: not a candidate
          row.put("refused", e.getMessage());
          points.add(row);
          continue;
        }
        double auroc =
            OodMetrics.compute(
                    score.score(id.outputs()), score.score(ood.outputs()), Convention.PAPER)
                .auroc();
        row.put("auroc", auroc);
        points.add(row);
        if (auroc > bestAuroc) {
          bestAuroc = auroc;
          best = params;
        }
      }
      if (best == null) {
        throw FitException.usage(
            "--search-ood: no point of "
                + method
                + "'s grid can be scored on this model: "
                + points);
      }
      Map<String, Object> search = new LinkedHashMap<>(sets);
      search.put("rule", "OpenOOD APS: highest AUROC of ID vs OOD validation, first on ties");
      search.put("grid", points);
      search.put("chosen", best);
      Map<String, Object> stats = new LinkedHashMap<>(best);
      if (method.equals("react")) {
        Map<String, Object> choices = new LinkedHashMap<>();
        choices.put("percentile", best.get("percentile"));
        choices.put("interpolation", "linear (numpy percentile over all N x D activations)");
        stats.putAll(
            FitProvenance.of(
                idSet.describe(),
                id.read().images(),
                id.read().unreadable().size(),
                manifest,
                choices));
      }
      stats.put("search", search);
      next.put(method, new BundleManifest.Statistics(Map.of(), stats), Map.of());
      out.println(
          "mos fit: search: "
              + method
              + " "
              + best
              + " (AUROC "
              + String.format(java.util.Locale.ROOT, "%.4f", bestAuroc)
              + ")");
    }
  }

  /** The grid of {@code method}: each point its parameters by name. */
  static List<Map<String, Double>> grid(String method) {
    List<Map<String, Double>> out = new ArrayList<>();
    switch (method) {
      case "react" -> REACT_GRID.forEach(p -> out.add(Map.of("percentile", p)));
      case "gen" -> {
        for (double g : GEN_GAMMAS) {
          for (double m : GEN_MS) {
            Map<String, Double> point = new LinkedHashMap<>();
            point.put("gamma", g);
            point.put("m", m);
            out.add(point);
          }
        }
      }
      default -> PERCENTILE_GRID.forEach(p -> out.add(Map.of("p", p)));
    }
    return out;
  }

  private Outputs collect(String what, ImageSet set) {
    List<FloatMatrix> features = new ArrayList<>();
    List<FloatMatrix> logits = new ArrayList<>();
    OutputCollector.Report read =
        collector.collect(
            what,
            set,
            List.of(BundleModel.LOGITS, BundleModel.FEATURES),
            (o, rows) -> {
              features.add(o.get(BundleModel.FEATURES));
              logits.add(o.get(BundleModel.LOGITS));
            });
    if (read.images() == 0) {
      throw FitException.failed("search: no readable image in " + set.source(), null);
    }
    return new Outputs(new ModelOutputs(concat(logits), concat(features), List.of()), read);
  }

  private static Map<String, Object> describe(ImageSet set, OutputCollector.Report read) {
    Map<String, Object> d = set.describe();
    d.put("images", read.images());
    d.put("unreadable_skipped", read.unreadable().size());
    return d;
  }

  private static FloatMatrix concat(List<FloatMatrix> parts) {
    int cols = parts.get(0).cols();
    int rows = parts.stream().mapToInt(FloatMatrix::rows).sum();
    float[] all = new float[rows * cols];
    int at = 0;
    for (FloatMatrix m : parts) {
      float[] v = m.toArray();
      System.arraycopy(v, 0, all, at, v.length);
      at += v.length;
    }
    return FloatMatrix.wrap(all, rows, cols);
  }
}
