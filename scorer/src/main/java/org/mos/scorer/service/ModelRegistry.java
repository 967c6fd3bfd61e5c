package org.mos.scorer.service;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.Device;
import org.mos.common.inference.InferenceOptions;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.monitoring.ScoreMonitor;

/**
 * The models the scorer serves: every bundle folder (or {@code .zip}) of {@code scorer.models-dir},
 * opened and warmed at start, then watched: a changed bundle is loaded beside the old one and
 * swapped in; the old one closes when its last request finishes.
 */
@ApplicationScoped
public class ModelRegistry {

  private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

  /** Model names: a letter or digit, then letters, digits, '.', '_' or '-'; no path separators. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final ScorerConfig config;
  private final MeterRegistry meters;
  private final ScoreMonitor monitor;
  private final Map<String, LoadedModel> models = new ConcurrentHashMap<>();
  // bundles whose current version failed to load, with that version's stamp (null when even the
  // stamp was unreadable): a failed version is not tried again, nor logged again, until it changes
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();
  private final Set<String> skipped = ConcurrentHashMap.newKeySet();
  private volatile boolean scanned;
  private ScheduledExecutorService watcher;

  public ModelRegistry(ScorerConfig config, MeterRegistry meters, ScoreMonitor monitor) {
    this.config = config;
    this.meters = meters;
    this.monitor = monitor;
  }

  void onStart(@Observes StartupEvent event) {
    scan();
    scanned = true;
    long every = config.reloadInterval().toMillis();
    if (every > 0) {
      watcher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "mos-model-watcher");
                t.setDaemon(true);
                return t;
              });
      watcher.scheduleWithFixedDelay(this::scanSafely, every, every, TimeUnit.MILLISECONDS);
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    if (watcher != null) {
      watcher.shutdownNow();
    }
    models.values().forEach(LoadedModel::retire);
    models.clear();
  }

  /** Whether the first scan is done and at least one model is loaded. */
  public boolean ready() {
    return scanned && !models.isEmpty();
  }

  private record Failure(BundleStamp stamp, String reason) {}

  /**
   * Bundles whose current version failed to load, by name, with the reason. A name may also be
   * loaded: then the previous version is still served.
   */
  public Map<String, String> failures() {
    Map<String, String> out = new TreeMap<>();
    failures.forEach((name, f) -> out.put(name, f.reason()));
    return out;
  }

  /** The loaded models, by name. */
  public List<LoadedModel> models() {
    return new ArrayList<>(new TreeMap<>(models).values());
  }

  /**
   * The model named {@code name}, registered as in use: release it with {@link
   * LoadedModel#release()}.
   *
   * @throws ScoringProblem 404 when no such model is loaded (also for names that are not valid);
   *     503 naming the reason when its bundle is there but failed to load
   */
  public LoadedModel acquire(String name) {
    while (true) {
      boolean valid = name != null && NAME.matcher(name).matches();
      LoadedModel m = valid ? models.get(name) : null;
      if (m == null) {
        Failure failure = valid ? failures.get(name) : null;
        if (failure != null) {
          throw ScoringProblem.unavailable(
              "model '" + name + "' is not ready: its bundle failed to load: " + failure.reason());
        }
        throw ScoringProblem.unknownModel(name);
      }
      if (m.acquire()) {
        return m;
      }
    }
  }

  /** Looks for new, changed and removed bundles now. */
  public synchronized void scan() {
    Path dir = config.modelsDir();
    if (!Files.isDirectory(dir)) {
      LOG.warnf("models folder %s does not exist: serving no model", dir.toAbsolutePath());
      return;
    }
    Map<String, Path> found = new TreeMap<>();
    try (var list = Files.list(dir)) {
      list.forEach(
          p -> {
            String file = p.getFileName().toString();
            boolean zip = Files.isRegularFile(p) && file.endsWith(".zip");
            if (!Files.isDirectory(p) && !zip) {
              return;
            }
            String name = zip ? file.substring(0, file.length() - 4) : file;
            if (file.startsWith(".")) {
              return; // staging folders of the bundle writer, hidden files
            }
            if (!NAME.matcher(name).matches()) {
              if (skipped.add(name)) { // once, not on every rescan
                LOG.warnf("skipping %s: '%s' is not a valid model name (%s)", p, name, NAME);
              }
              return;
            }
            found.put(name, p);
          });
    } catch (IOException e) {
      LOG.errorf("cannot list models folder %s: %s", dir, e.getMessage());
      return;
    }
    found.forEach(this::loadIfChanged);
    for (String name : List.copyOf(models.keySet())) {
      if (!found.containsKey(name)) {
        LOG.infof("model %s was removed", name);
        LoadedModel old = models.remove(name);
        if (old != null) {
          old.retire();
        }
      }
    }
    failures.keySet().retainAll(found.keySet());
    monitor.modelsChanged(models());
  }

  private void scanSafely() {
    try {
      scan();
    } catch (RuntimeException e) {
      LOG.error("model scan failed", e);
    }
  }

  private void loadIfChanged(String name, Path path) {
    BundleStamp stamp;
    try {
      stamp = BundleStamp.of(path);
    } catch (IOException e) {
      fail(name, path, null, "cannot read " + path + ": " + e.getMessage());
      return;
    }
    LoadedModel current = models.get(name);
    if (current != null && current.stamp().equals(stamp)) {
      return;
    }
    Failure failed = failures.get(name);
    if (failed != null && stamp.equals(failed.stamp())) {
      return; // this version failed already; it is tried (and logged) again once it changes
    }
    try {
      LoadedModel loaded = load(name, path, stamp);
      LoadedModel old = models.put(name, loaded);
      failures.remove(name);
      if (old != null) {
        old.retire();
      }
      LOG.infof(
          "loaded model %s from %s on %s (methods %s)",
          name, path, loaded.model().device().id(), loaded.scorer().methods());
    } catch (IOException | RuntimeException e) {
      fail(name, path, stamp, String.valueOf(e.getMessage()));
    }
  }

  /** Records a failed version and logs it, once per change of the bundle or of the reason. */
  private void fail(String name, Path path, BundleStamp stamp, String reason) {
    Failure previous = failures.put(name, new Failure(stamp, reason));
    if (previous != null
        && previous.reason().equals(reason)
        && Objects.equals(previous.stamp(), stamp)) {
      return;
    }
    LOG.errorf(
        "cannot load model %s from %s: %s%s",
        name,
        path,
        reason,
        models.containsKey(name) ? " (still serving its previous version)" : "");
  }

  private LoadedModel load(String name, Path path, BundleStamp stamp) throws IOException {
    ModelBundle bundle = ModelBundle.open(path);
    try {
      InferenceOptions options =
          new InferenceOptions(
              Device.parse(config.device()),
              config.strictDevice(),
              config.intraOpThreads(),
              config.cpuArena(),
              config.memoryPattern(),
              config.intraOpSpinning());
      BundleModel model = BundleModel.open(bundle, options);
      try {
        BundleScorer scorer = BundleScorer.of(bundle);
        // the largest batch too, so that ONNX Runtime's arena has its final size from the start
        model.warmUp(config.batching().maxBatch());
        DistributionSummary sizes =
            DistributionSummary.builder("mos.scorer.batch.size")
                .description("Images per ONNX Runtime run")
                .tag("model", name)
                .publishPercentileHistogram()
                .register(meters);
        BatchRunner runner = new BatchRunner(model, scorer, sizes::record);
        return new LoadedModel(
            name,
            stamp,
            bundle,
            model,
            scorer,
            runner,
            config.batching().enabled(),
            config.batching().maxBatch(),
            config.batching().maxWait().toNanos(),
            config.batching().runners());
      } catch (IOException | RuntimeException e) {
        model.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      bundle.close();
      throw e;
    }
  }
}
