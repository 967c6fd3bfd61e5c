package org.mos.evaluator.evaluate;

import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.mos.common.data.Sample;
import org.mos.common.image.BadFilePolicy;
import org.mos.evaluator.store.ScoreStore;
import org.mos.evaluator.store.StoredScore;
import org.mos.evaluator.transport.ImageTask;
import org.mos.evaluator.transport.MethodTimes;
import org.mos.evaluator.transport.ScoredImage;

/**
 * Scores every image of a run's datasets with one model, through its transport and its score store:
 * images whose scores are stored (same file size and modification time) are not scored again; the
 * others are streamed through the transport and every result is appended to the store the moment it
 * arrives. ODIN runs with the model's settings ({@link ScoringModel#odin()}); its stored scores are
 * reused only by runs with the same settings ({@link StoreKeys}).
 *
 * <p>Time per image: the wall time since the previous result, minus the time the transport says the
 * methods' own score functions took ({@link MethodTimes}), is the image's share of the work all
 * methods share (decoding, preprocessing, the forward pass); each method's own scoring time is
 * recorded beside it. A remote transport that does not report method times has all its time shared.
 */
final class Evaluation {

  /** What one model gave for every image of the run, by dataset then image, in dataset order. */
  record ModelScores(ScoringModel model, int[] idLabels, List<StoredScore[]> byDataset) {}

  private final List<Dataset> datasets;
  private final Path storeDir;
  private final boolean fresh;
  private final BadFilePolicy policy;
  private final LongSupplier clock;
  private final ProgressBars progress;
  private final PrintWriter err;

  Evaluation(
      List<Dataset> datasets,
      Path storeDir,
      boolean fresh,
      BadFilePolicy policy,
      LongSupplier clock,
      ProgressBars progress,
      PrintWriter err) {
    this.datasets = List.copyOf(datasets);
    this.storeDir = storeDir;
    this.fresh = fresh;
    this.policy = policy;
    this.clock = clock;
    this.progress = progress;
    this.err = err;
  }

  /** Thrown when an image cannot be scored and the policy is {@link BadFilePolicy#FAIL}. */
  static final class BadImageException extends RuntimeException {
    BadImageException(String message) {
      super(message);
    }
  }

  /**
   * Scores all datasets (the ID set first) with {@code model} and the {@code methods} wanted of it.
   */
  ModelScores run(ScoringModel model, int[] idLabels, List<String> methods) throws IOException {
    String checksum = model.transport().modelChecksum();
    StoreKeys keys = StoreKeys.of(methods, model.odin());
    try (ScoreStore store = ScoreStore.open(storeDir, checksum, fresh)) {
      List<StoredScore[]> results = new ArrayList<>();
      List<Pending> pending = new ArrayList<>();
      long seq = 0;
      for (int d = 0; d < datasets.size(); d++) {
        Dataset set = datasets.get(d);
        StoredScore[] row = new StoredScore[set.size()];
        results.add(row);
        for (int i = 0; i < set.size(); i++, seq++) {
          Sample s = set.samples().get(i);
          String key = key(s.path());
          long[] stat = stat(s.path());
          StoredScore stored = keys.fromStore(store.lookup(key, stat[0], stat[1]));
          Set<String> missing = new LinkedHashSet<>(methods);
          if (stored != null) {
            missing.removeAll(stored.scores().keySet());
          }
          if (stored != null && stored.failed() && policy == BadFilePolicy.FAIL) {
            throw new BadImageException(
                "cannot score "
                    + s.path()
                    + " ("
                    + stored.error()
                    + ", stored by an earlier run);"
                    + " --on-bad-image is fail");
          }
          if (stored != null && (stored.failed() || missing.isEmpty())) {
            row[i] = stored;
          } else {
            int label = d == 0 ? idLabels[i] : -1;
            ImageTask task = new ImageTask(seq, set.name(), set.imageId(s), s.path(), label);
            pending.add(new Pending(task, d, i, key, stat, List.copyOf(missing)));
          }
        }
      }
      int all = datasets.stream().mapToInt(Dataset::size).sum();
      err.printf(
          "bundle %s: %d of %d images to score (%s), %d stored in %s%n",
          model.name(),
          pending.size(),
          all,
          String.join(", ", methods),
          all - pending.size(),
          store.file());
      err.flush();
      // one stream per distinct set of missing methods (one, unless methods were added)
      Map<List<String>, List<Pending>> byMethods = new LinkedHashMap<>();
      pending.forEach(p -> byMethods.computeIfAbsent(p.methods, k -> new ArrayList<>()).add(p));
      for (Map.Entry<List<String>, List<Pending>> e : byMethods.entrySet()) {
        stream(model, store, keys, e.getKey(), e.getValue(), results);
      }
      return new ModelScores(model, idLabels, results);
    }
  }

  private record Pending(
      ImageTask task, int dataset, int index, String key, long[] stat, List<String> methods) {}

  private void stream(
      ScoringModel model,
      ScoreStore store,
      StoreKeys keys,
      List<String> methods,
      List<Pending> pending,
      List<StoredScore[]> results)
      throws IOException {
    Map<Long, Pending> bySeq = new HashMap<>();
    int[] left = new int[datasets.size()];
    for (Pending p : pending) {
      bySeq.put(p.task.seq(), p);
      left[p.dataset]++;
    }
    int[] total = left.clone();
    int current = nextOpen(left, -1);
    startBar(model, current, total, left);
    Multi<ScoredImage> scored =
        model
            .transport()
            .score(
                Multi.createFrom().iterable(pending.stream().map(Pending::task).toList()),
                methods,
                model.odin());
    Timer timer = new Timer(model);
    try (Stream<ScoredImage> stream =
        scored.subscribe().asStream(64, () -> new ArrayBlockingQueue<>(64))) {
      Iterator<ScoredImage> it = stream.iterator();
      while (it.hasNext()) {
        ScoredImage r = it.next();
        Pending p = bySeq.remove(r.seq());
        if (p == null) {
          throw new IllegalStateException(
              "transport "
                  + model.transport().name()
                  + " returned unknown or repeated seq "
                  + r.seq());
        }
        StoredScore record = timer.record(p, r);
        store.append(keys.toStore(record));
        results.get(p.dataset)[p.index] = keys.fromStore(store.lookup(p.key, p.stat[0], p.stat[1]));
        if (r.failed() && policy == BadFilePolicy.FAIL) {
          progress.finish();
          throw new BadImageException(
              "cannot score " + p.task.path() + " (" + r.error() + "); --on-bad-image is fail");
        }
        left[p.dataset]--;
        if (p.dataset == current) {
          progress.advance(1);
        }
        while (current >= 0 && left[current] == 0) {
          current = nextOpen(left, current);
          startBar(model, current, total, left);
        }
      }
    }
    progress.finish();
    if (!bySeq.isEmpty()) {
      throw new IllegalStateException(
          "transport "
              + model.transport().name()
              + " ended without results for "
              + bySeq.size()
              + " images");
    }
  }

  /** Starts the bar of {@code dataset}, counting results that arrived before it was current. */
  private void startBar(ScoringModel model, int dataset, int[] total, int[] left) {
    if (dataset >= 0) {
      progress.start(model.name() + "/" + datasets.get(dataset).name(), total[dataset]);
      progress.advance(total[dataset] - left[dataset]);
    } else {
      progress.finish();
    }
  }

  private static int nextOpen(int[] left, int after) {
    for (int d = after + 1; d < left.length; d++) {
      if (left[d] > 0) {
        return d;
      }
    }
    return -1;
  }

  /** Splits the wall time between results into shared time and each method's own time. */
  private final class Timer {
    private final MethodTimes times;
    private Map<String, Double> lastMethodSeconds;
    private final Map<String, Double> unassigned = new HashMap<>();
    private long last = clock.getAsLong();

    Timer(ScoringModel model) {
      this.times = model.transport() instanceof MethodTimes t ? t : null;
      this.lastMethodSeconds = times == null ? Map.of() : times.scoringSeconds();
    }

    StoredScore record(Pending p, ScoredImage r) {
      long now = clock.getAsLong();
      double wall = (now - last) / 1e9;
      last = now;
      double own = 0;
      if (times != null) {
        Map<String, Double> cumulative = times.scoringSeconds();
        for (Map.Entry<String, Double> e : cumulative.entrySet()) {
          double delta = e.getValue() - lastMethodSeconds.getOrDefault(e.getKey(), 0.0);
          unassigned.merge(e.getKey(), delta, Double::sum);
          own += delta;
        }
        lastMethodSeconds = cumulative;
      }
      double shared = Math.max(0, wall - own);
      if (r.failed()) {
        return new StoredScore(
            p.key, p.stat[0], p.stat[1], -1, shared, Map.of(), Map.of(), r.error());
      }
      Map<String, Double> seconds = new LinkedHashMap<>();
      for (String m : p.methods) {
        Double t = unassigned.remove(m);
        seconds.put(m, t == null ? 0.0 : t);
      }
      Map<String, Double> scores = new LinkedHashMap<>();
      for (String m : p.methods) {
        Double v = r.scores().get(m);
        if (v == null) {
          throw new IllegalStateException(
              "the result for " + p.task.path() + " has no score for method '" + m + "'");
        }
        scores.put(m, v);
      }
      return new StoredScore(
          p.key, p.stat[0], p.stat[1], r.predictedClass(), shared, scores, seconds, null);
    }
  }

  static String key(Path path) {
    return path.toAbsolutePath().normalize().toString();
  }

  /** Size and last-modified millis, or -1s for a file that cannot be read (it will fail). */
  private static long[] stat(Path path) {
    try {
      return new long[] {Files.size(path), Files.getLastModifiedTime(path).toMillis()};
    } catch (IOException e) {
      return new long[] {-1, -1};
    }
  }
}
