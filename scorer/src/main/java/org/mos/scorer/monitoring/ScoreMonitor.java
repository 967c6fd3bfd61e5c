package org.mos.scorer.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.inference.Calibration;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.metrics.KolmogorovSmirnov;
import org.mos.scorer.service.LoadedModel;

/**
 * Records what the scorer serves, per model and method, as Prometheus series (docs/monitoring.md):
 *
 * <ul>
 *   <li>{@code mos_scorer_scores_total}: the number of served scores;
 *   <li>{@code mos_scorer_score_window_mean}: the mean of the latest {@code
 *       scorer.monitoring.window} scores (also for methods without calibration scores; raw scores
 *       are on each method's own scale, and may be negative, which Micrometer's summaries drop);
 *   <li>{@code mos_scorer_score_rank_percent}: for calibrated methods, a histogram of each score's
 *       rank among the bundle's ID calibration scores (its p-value, in percent); bucket {@code
 *       le=q} counts the served scores at or below the calibration q% quantile, so buckets mean the
 *       same for every model and method;
 *   <li>{@code mos_scorer_ood_share}: the share of the latest {@code scorer.monitoring.window}
 *       decisions that flagged OOD;
 *   <li>{@code mos_scorer_drift_ks} and {@code mos_scorer_drift_p_value}: the two-sample
 *       Kolmogorov-Smirnov statistic between the window's scores and the ID calibration scores, and
 *       its asymptotic p-value (NaN until {@code drift-min-scores} scores were served);
 *   <li>{@code mos_scorer_model_info}: 1 per loaded model, labelled with its architecture, head and
 *       bundle checksum.
 * </ul>
 *
 * A model's series are removed when it is unloaded or replaced, and start afresh for the new
 * version (whose calibration may differ).
 */
@ApplicationScoped
public class ScoreMonitor {

  private static final Logger LOG = Logger.getLogger(ScoreMonitor.class);

  /**
   * The score-rank buckets, in percent of the calibration distribution. Percent, not fractions:
   * Micrometer's histograms round a recorded value up to a whole number before finding its bucket
   * (0.75 lands in +Inf with fractional buckets), which integer buckets make harmless.
   */
  static final double[] RANK_BUCKETS = {1, 5, 10, 25, 50, 75, 90, 95, 99};

  private final MeterRegistry meters;
  private final MonitoringConfig config;
  private final Map<String, ModelState> models = new ConcurrentHashMap<>();

  public ScoreMonitor(MeterRegistry meters, MonitoringConfig config) {
    this.meters = meters;
    this.config = config;
    if (config.enabled() && config.window() < 1) {
      throw new IllegalArgumentException(
          "scorer.monitoring.window is " + config.window() + "; it must be at least 1");
    }
  }

  /** Brings the series in line with the loaded models: new and changed ones start afresh. */
  public synchronized void modelsChanged(List<LoadedModel> loaded) {
    if (!config.enabled()) {
      return;
    }
    Map<String, LoadedModel> byName = new HashMap<>();
    loaded.forEach(m -> byName.put(m.name(), m));
    for (String name : List.copyOf(models.keySet())) {
      LoadedModel m = byName.get(name);
      if (m == null || !m.model().checksum().equals(models.get(name).checksum())) {
        models.remove(name).meters().forEach(meters::remove);
      }
    }
    byName.forEach(
        (name, m) -> {
          if (!models.containsKey(name)) {
            models.put(name, newState(m));
          }
        });
  }

  /** Records the scores and decisions of one answered request. */
  public void record(String model, ScoredBatch result) {
    if (!config.enabled()) {
      return;
    }
    ModelState state = models.get(model);
    if (state == null) {
      return; // answered by a version being replaced right now
    }
    for (ImageResult image : result.images()) {
      image
          .scores()
          .forEach(
              (method, score) -> {
                MethodState s = state.methods.get(method);
                if (s == null || score == null) {
                  return;
                }
                s.scores.increment();
                ImageResult.Decision d = image.decisions().get(method);
                s.window.add(score, d != null && d.ood());
                if (s.rank != null && d != null) {
                  s.rank.record(100 * d.pValue());
                }
              });
    }
  }

  private ModelState newState(LoadedModel m) {
    BundleManifest manifest = m.model().manifest();
    String checksum = m.model().checksum();
    Calibration calibration = m.scorer().calibration();
    List<Meter> registered = new ArrayList<>();
    registered.add(
        Gauge.builder("mos.scorer.model.info", () -> 1)
            .description("1 per loaded model; labels: architecture, head, bundle checksum")
            .tags(
                "model",
                m.name(),
                "architecture",
                String.valueOf(manifest.architecture()),
                "head",
                manifest.groupSizes() == null || manifest.groupSizes().isEmpty() ? "flat" : "group",
                "checksum",
                checksum)
            .register(meters));
    Map<String, MethodState> methods = new HashMap<>();
    for (String method : m.scorer().methods()) {
      Counter scores =
          Counter.builder("mos.scorer.scores")
              .description("Served OOD scores")
              .tags("model", m.name(), "method", method)
              .register(meters);
      ScoreWindow window = new ScoreWindow(config.window());
      registered.add(scores);
      registered.add(
          Gauge.builder("mos.scorer.score.window.mean", window, ScoreWindow::mean)
              .description(
                  "Mean of the latest served scores (scorer.monitoring.window; higher = more"
                      + " in-distribution)")
              .tags("model", m.name(), "method", method)
              .register(meters));
      if (!calibration.has(method)) {
        methods.put(method, new MethodState(scores, null, window));
        continue;
      }
      DistributionSummary rank =
          DistributionSummary.builder("mos.scorer.score.rank.percent")
              .description(
                  "Rank of served scores among the ID calibration scores, in percent (bucket"
                      + " le=q: at or below the calibration q% quantile)")
              .tags("model", m.name(), "method", method)
              .serviceLevelObjectives(RANK_BUCKETS)
              .register(meters);
      int calibrationCount = calibration.count(method);
      registered.add(rank);
      registered.add(
          Gauge.builder("mos.scorer.ood.share", window, ScoreWindow::oodShare)
              .description("Share of the latest decisions (scorer.monitoring.window) flagged OOD")
              .tags("model", m.name(), "method", method)
              .register(meters));
      registered.add(
          Gauge.builder("mos.scorer.drift.ks", window, w -> ks(calibration, method, w))
              .description(
                  "Two-sample Kolmogorov-Smirnov statistic, latest served scores vs ID calibration")
              .tags("model", m.name(), "method", method)
              .register(meters));
      registered.add(
          Gauge.builder(
                  "mos.scorer.drift.p.value",
                  window,
                  w ->
                      KolmogorovSmirnov.pValue(
                          ks(calibration, method, w), w.size(), calibrationCount))
              .description("Asymptotic p-value of mos_scorer_drift_ks (small: the scores drifted)")
              .tags("model", m.name(), "method", method)
              .register(meters));
      methods.put(method, new MethodState(scores, rank, window));
    }
    LOG.debugf("monitoring model %s (%s), methods %s", m.name(), checksum, methods.keySet());
    return new ModelState(checksum, Map.copyOf(methods), List.copyOf(registered));
  }

  private double ks(Calibration calibration, String method, ScoreWindow window) {
    if (window.size() < config.driftMinScores()) {
      return Double.NaN;
    }
    return calibration.ksStatistic(method, window.sortedScores()).orElse(Double.NaN);
  }

  private record ModelState(
      String checksum, Map<String, MethodState> methods, List<Meter> meters) {}

  private record MethodState(Counter scores, DistributionSummary rank, ScoreWindow window) {}
}
