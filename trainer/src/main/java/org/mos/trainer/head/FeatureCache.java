package org.mos.trainer.head;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.mos.common.cache.CachedChunk;
import org.mos.common.cache.ChunkCache;
import org.mos.common.cache.ExtractionKey;
import org.mos.common.cache.MappedOutput;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PipelineReport;
import org.mos.common.image.Progress;
import org.mos.common.image.UnreadableImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleStream;
import org.mos.common.score.FloatMatrix;

/**
 * The penultimate features of a list of images through a bundle, extracted once with ONNX Runtime
 * (the common {@link BundleStream}, the bundle's own test preprocessing) and cached on disk in
 * chunks of {@code chunkRows} images, in common's {@link ChunkCache} (the format and mechanism
 * {@code mos fit --cache} uses too).
 *
 * <p>A cache folder is {@code ROOT/NAME-KEY}, where KEY is the {@link ExtractionKey} (the bundle's
 * checksum, its preprocessing, the output read, the chunk size and every image path in order): a
 * changed bundle, list or preprocessing gets a new folder, and a chunk holding an image file
 * replaced under the same name (its size or modification time, stamped per chunk) is extracted
 * again: stale features are never read. Nothing else changes the features (training options such as
 * augmentation, mixup or the head's mode act after the cache; batch size and threads only change
 * the speed). A folder that holds another extraction is refused naming {@code --feature-cache}, and
 * so are features of images that were unreadable when the cache was made when unreadable images
 * must fail ({@code --bad-files fail}). Older folders of the same NAME are deleted when {@link
 * Settings#pruneStale} (the run's own cache folder), and kept otherwise (a cache folder that
 * several runs may share). An interrupted extraction resumes at the first incomplete chunk; the
 * features are read memory-mapped ({@link MappedOutput}).
 */
public final class FeatureCache {

  /** Images per chunk file by default. */
  public static final int DEFAULT_CHUNK_ROWS = 4096;

  /** The option that picks the cache root, named when a cache folder is refused. */
  static final String OPTION = "--feature-cache";

  /**
   * How features are extracted.
   *
   * @param output the graph output to cache ({@code features})
   * @param batch images per model run
   * @param threads decoding threads
   * @param policy what an unreadable image does
   * @param chunkRows images per chunk file
   * @param pruneStale whether older caches of the same set name under the cache folder are deleted:
   *     only when the folder belongs to one run
   */
  public record Settings(
      String output,
      int batch,
      int threads,
      BadFilePolicy policy,
      int chunkRows,
      boolean pruneStale) {
    public Settings {
      if (batch < 1 || threads < 1 || chunkRows < 1) {
        throw new IllegalArgumentException(
            "batch, threads and chunk rows must be positive, got "
                + batch
                + ", "
                + threads
                + ", "
                + chunkRows);
      }
    }

    /** Settings that delete older caches of the same set name (a folder of one run). */
    public Settings(String output, int batch, int threads, BadFilePolicy policy, int chunkRows) {
      this(output, batch, threads, policy, chunkRows, true);
    }
  }

  private FeatureCache() {}

  /** The cache key of {@code paths} through {@code model} under {@code settings}. */
  public static String key(BundleModel model, List<Path> paths, Settings settings) {
    return extractionKey(model, paths, settings).digest();
  }

  private static ExtractionKey extractionKey(
      BundleModel model, List<Path> paths, Settings settings) {
    return ExtractionKey.of(model, List.of(settings.output()), settings.chunkRows(), paths);
  }

  /** The folder the features of {@code paths} are cached in under {@code root}. */
  public static Path folder(
      Path root, String name, BundleModel model, List<Path> paths, Settings settings) {
    return ChunkCache.folder(root, name, extractionKey(model, paths, settings));
  }

  /**
   * Extracts the features of every image not cached yet, then opens the whole cache.
   *
   * @param name the set's name (train, val): the folder prefix and the progress lines' subject
   * @param log progress lines (rate and ETA at most every two seconds) and the end line
   * @throws ImageDecodeException with {@link BadFilePolicy#FAIL}, for the first unreadable image
   */
  public static MappedOutput extract(
      BundleModel model,
      String name,
      List<Path> paths,
      Path root,
      Settings settings,
      Consumer<String> log)
      throws IOException, ImageDecodeException {
    if (!model.outputNames().contains(settings.output())) {
      throw new IllegalArgumentException(
          "the backbone has no output '"
              + settings.output()
              + "' (its outputs: "
              + model.outputNames()
              + "): a backbone bundle needs its penultimate features as an output");
    }
    ChunkCache cache =
        ChunkCache.open(
            root,
            name,
            extractionKey(model, paths, settings),
            new ChunkCache.Owner("features of " + name, OPTION, settings.pruneStale()),
            log);
    Path dir = cache.dir();
    int chunks = cache.key().chunkCount();
    List<Integer> missing = cache.missing();
    if (missing.isEmpty()) {
      log.accept("features of " + name + ": all " + paths.size() + " images cached in " + dir);
    } else {
      if (missing.size() < chunks) {
        log.accept(
            "features of "
                + name
                + ": resuming, "
                + (chunks - missing.size())
                + " of "
                + chunks
                + " chunks cached in "
                + dir);
      }
      run(model, name, paths, cache, settings, missing, log);
    }
    MappedOutput cached = cache.map(settings.output());
    if (settings.policy() == BadFilePolicy.FAIL && cached.rows() < paths.size()) {
      refuseSkipped(name, paths, dir, cached);
    }
    return cached;
  }

  /** Images skipped by an earlier extraction with {@code --bad-files skip}: refused under fail. */
  private static void refuseSkipped(String name, List<Path> paths, Path dir, MappedOutput cached) {
    int first = 0;
    while (first < cached.rows() && cached.image(first) == first) {
      first++;
    }
    throw new IllegalArgumentException(
        "features of "
            + name
            + ": "
            + (paths.size() - cached.rows())
            + " of the "
            + paths.size()
            + " images were unreadable when "
            + dir
            + " was made with --bad-files skip (the first: "
            + paths.get(first)
            + "); with --bad-files fail, repair or remove them (the changed list or files make"
            + " a new cache), or train with --bad-files skip");
  }

  private static void run(
      BundleModel model,
      String name,
      List<Path> paths,
      ChunkCache cache,
      Settings settings,
      List<Integer> missing,
      Consumer<String> log)
      throws IOException, ImageDecodeException {
    int chunkRows = settings.chunkRows();
    List<Integer> global = new ArrayList<>();
    for (int c : missing) {
      for (int i = c * chunkRows; i < Math.min(paths.size(), (c + 1) * chunkRows); i++) {
        global.add(i);
      }
    }
    List<Path> todo = global.stream().map(paths::get).toList();
    ProgressLine progress = new ProgressLine(name, log);
    TreeMap<Integer, ChunkBuffer> open = new TreeMap<>();
    long handed = 0;
    try (BundleStream<Path> stream =
        BundleStream.builder(model, todo, ImageSource::of)
            .optBatchSize(settings.batch())
            .optThreads(settings.threads())
            .optBadFilePolicy(settings.policy())
            .optProgressListener(progress::update)
            .build()) {
      while (stream.hasNext()) {
        BundleStream<Path>.Batch batch = stream.next();
        for (UnreadableImage u : batch.skipped()) {
          int image = global.get(u.index());
          open.computeIfAbsent(image / chunkRows, c -> new ChunkBuffer(settings.output()))
              .skip(new UnreadableImage(image, u.source(), u.reason()));
        }
        if (batch.size() > 0) {
          FloatMatrix features = batch.outputs(List.of(settings.output())).get(settings.output());
          int[] rows = batch.inputIndices();
          for (int r = 0; r < rows.length; r++) {
            int image = global.get(rows[r]);
            open.computeIfAbsent(image / chunkRows, c -> new ChunkBuffer(settings.output()))
                .add(image, features.row(r));
          }
        }
        handed += batch.size() + batch.skipped().size();
        // every image before the handed-out count has been read or skipped: flush whole chunks
        long done = handed;
        int lastDone = done >= todo.size() ? Integer.MAX_VALUE : global.get((int) done) / chunkRows;
        while (!open.isEmpty() && open.firstKey() < lastDone) {
          Map.Entry<Integer, ChunkBuffer> e = open.pollFirstEntry();
          cache.write(e.getKey(), e.getValue().chunk());
        }
      }
      PipelineReport report = stream.report();
      log.accept(
          String.format(
              "features of %s: %d images in %.1f s (%.1f images/s), %d unreadable skipped",
              name,
              report.delivered(),
              report.seconds(),
              report.seconds() > 0 ? report.delivered() / report.seconds() : 0.0,
              report.unreadable().size()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("feature extraction of " + name + " was interrupted", e);
    }
  }

  /** The rows and unreadable images of one chunk, gathered until the chunk is complete. */
  private static final class ChunkBuffer {
    private final String output;
    private final List<float[]> rows = new ArrayList<>();
    private final List<Integer> images = new ArrayList<>();
    private final List<UnreadableImage> skipped = new ArrayList<>();

    ChunkBuffer(String output) {
      this.output = output;
    }

    void add(int image, float[] row) {
      rows.add(row);
      images.add(image);
    }

    void skip(UnreadableImage u) {
      skipped.add(u);
    }

    CachedChunk chunk() {
      if (rows.isEmpty()) {
        return new CachedChunk(new int[0], Map.of(), List.copyOf(skipped));
      }
      int dim = rows.get(0).length;
      float[] all = new float[rows.size() * dim];
      for (int r = 0; r < rows.size(); r++) {
        System.arraycopy(rows.get(r), 0, all, r * dim, dim);
      }
      return new CachedChunk(
          images.stream().mapToInt(Integer::intValue).toArray(),
          Map.of(output, FloatMatrix.wrap(all, rows.size(), dim)),
          List.copyOf(skipped));
    }
  }

  /** Progress at most every two seconds: images done, rate and ETA. */
  private static final class ProgressLine {
    private final String name;
    private final Consumer<String> log;
    private long last = System.nanoTime();

    ProgressLine(String name, Consumer<String> log) {
      this.name = name;
      this.log = log;
    }

    void update(Progress p) {
      long now = System.nanoTime();
      if (now - last >= 2_000_000_000L && p.done() < p.total()) {
        last = now;
        log.accept("features of " + name + ": " + p);
      }
    }
  }
}
