package org.mos.trainer.head;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PipelineReport;
import org.mos.common.image.Progress;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleStream;
import org.mos.common.io.AtomicFiles;
import org.mos.common.io.Npy;
import org.mos.common.score.FloatMatrix;

/**
 * The penultimate features of a list of images through a bundle, extracted once with ONNX Runtime
 * (the common {@link BundleStream}, the bundle's own test preprocessing) and cached on disk in
 * chunks of {@code chunkRows} images.
 *
 * <p>A cache folder is {@code ROOT/NAME-KEY}, where KEY is a SHA-256 over the bundle's checksum
 * (its files and manifest values), its preprocessing, the output read, the chunk size and every
 * image path in order with the file's size and modification time: a changed bundle, list,
 * preprocessing or image file gets a new folder and never reads stale features. Nothing else
 * changes the features (training options such as augmentation, mixup or the head's mode act after
 * the cache; batch size and threads only change the speed). A folder whose {@code key.json} records
 * another key is refused, never overwritten or read, and so are features of images that were
 * unreadable when the cache was made when unreadable images must fail ({@code --bad-files fail}).
 * Older folders of the same NAME are deleted when {@link Settings#pruneStale} (the run's own cache
 * folder), and kept otherwise (a cache folder that several runs may share). Chunk {@code i} is
 * {@code chunk-0000i.npy} (float32, rows x dim, the readable images of the chunk) and {@code
 * chunk-0000i.rows.npy} (int64, their image indices), each written atomically, the index file last:
 * a chunk is complete when its index file exists. An interrupted extraction therefore resumes at
 * the first incomplete chunk.
 */
public final class FeatureCache {

  /** Images per chunk file by default. */
  public static final int DEFAULT_CHUNK_ROWS = 4096;

  /** The file in a cache folder that records what the folder holds. */
  static final String KEY_FILE = "key.json";

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
    return FeatureCacheKey.of(model, paths, settings);
  }

  /** The folder the features of {@code paths} are cached in under {@code root}. */
  public static Path folder(
      Path root, String name, BundleModel model, List<Path> paths, Settings settings) {
    return root.resolve(name + "-" + key(model, paths, settings).substring(0, 16));
  }

  /**
   * Extracts the features of every image not cached yet, then opens the whole cache.
   *
   * @param name the set's name (train, val): the folder prefix and the progress lines' subject
   * @param log progress lines (rate and ETA at most every two seconds) and the end line
   * @throws ImageDecodeException with {@link BadFilePolicy#FAIL}, for the first unreadable image
   */
  public static CachedFeatures extract(
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
    String key = key(model, paths, settings);
    Path dir = root.resolve(name + "-" + key.substring(0, 16));
    prepare(root, name, dir, key, model, paths, settings, log);
    int chunks = (paths.size() + settings.chunkRows() - 1) / settings.chunkRows();
    List<Integer> missing = new ArrayList<>();
    for (int c = 0; c < chunks; c++) {
      if (!Files.exists(rowsFile(dir, c))) {
        missing.add(c);
      }
    }
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
      run(model, name, paths, dir, settings, missing, log);
    }
    CachedFeatures cached = CachedFeatures.open(dir, chunks, paths.size());
    if (settings.policy() == BadFilePolicy.FAIL && cached.rows() < paths.size()) {
      refuseSkipped(name, paths, dir, cached);
    }
    return cached;
  }

  /** Images skipped by an earlier extraction with {@code --bad-files skip}: refused under fail. */
  private static void refuseSkipped(
      String name, List<Path> paths, Path dir, CachedFeatures cached) {
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

  /** Creates the folder with its key file, or checks an existing one; drops stale folders. */
  private static void prepare(
      Path root,
      String name,
      Path dir,
      String key,
      BundleModel model,
      List<Path> paths,
      Settings settings,
      Consumer<String> log)
      throws IOException {
    if (Files.isDirectory(root)) {
      List<Path> others = new ArrayList<>();
      try (Stream<Path> old = Files.list(root)) {
        for (Path p : old.toList()) {
          String f = p.getFileName().toString();
          if (!p.equals(dir) && f.matches(java.util.regex.Pattern.quote(name) + "-[0-9a-f]{16}")) {
            others.add(p);
          }
        }
      }
      for (Path p : others) {
        if (settings.pruneStale()) {
          log.accept("features of " + name + ": removing the stale cache " + p);
          AtomicFiles.deleteTree(p);
        } else {
          log.accept("features of " + name + ": keeping " + p + " (another run's cache, maybe)");
        }
      }
    }
    FeatureCacheKey.claim(dir, name, key, model, paths, settings);
  }

  private static void run(
      BundleModel model,
      String name,
      List<Path> paths,
      Path dir,
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
        if (batch.size() > 0) {
          FloatMatrix features = batch.outputs(List.of(settings.output())).get(settings.output());
          int[] rows = batch.inputIndices();
          for (int r = 0; r < rows.length; r++) {
            int image = global.get(rows[r]);
            open.computeIfAbsent(image / chunkRows, c -> new ChunkBuffer(features.cols()))
                .add(image, features.row(r));
          }
        }
        handed += batch.size() + batch.skipped().size();
        // every image before the handed-out count has been read or skipped: flush whole chunks
        long done = handed;
        int lastDone = done >= todo.size() ? Integer.MAX_VALUE : global.get((int) done) / chunkRows;
        while (!open.isEmpty() && open.firstKey() < lastDone) {
          Map.Entry<Integer, ChunkBuffer> e = open.pollFirstEntry();
          e.getValue().write(dir, e.getKey());
        }
        for (int c : missing) {
          if (c < lastDone && !Files.exists(rowsFile(dir, c))) {
            new ChunkBuffer(0).write(dir, c); // every image of the chunk was unreadable
          }
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

  /**
   * Writes chunk {@code chunk} of a cache folder: the features first, then the index file that
   * marks the chunk complete, each atomically.
   *
   * @param images the image index of each row
   * @param rows {@code images.length * dim} floats, row after row
   */
  public static void writeChunk(Path dir, int chunk, long[] images, float[] rows, int dim)
      throws IOException {
    int n = images.length;
    if (rows.length != n * dim) {
      throw new IllegalArgumentException(
          rows.length + " floats for " + n + " rows of " + dim + " features");
    }
    ByteBuffer data = ByteBuffer.allocate(rows.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(rows);
    AtomicFiles.write(
        featuresFile(dir, chunk), out -> Npy.write(out, "<f4", new int[] {n, dim}, data.array()));
    Npy.writeInt64(rowsFile(dir, chunk), images, n);
  }

  static Path featuresFile(Path dir, int chunk) {
    return dir.resolve(String.format("chunk-%05d.npy", chunk));
  }

  static Path rowsFile(Path dir, int chunk) {
    return dir.resolve(String.format("chunk-%05d.rows.npy", chunk));
  }

  /** The readable rows of one chunk, gathered until the chunk is complete. */
  private static final class ChunkBuffer {
    private final int dim;
    private final List<float[]> rows = new ArrayList<>();
    private final List<Long> images = new ArrayList<>();

    ChunkBuffer(int dim) {
      this.dim = dim;
    }

    void add(int image, float[] row) {
      rows.add(row);
      images.add((long) image);
    }

    void write(Path dir, int chunk) throws IOException {
      float[] all = new float[rows.size() * dim];
      for (int r = 0; r < rows.size(); r++) {
        System.arraycopy(rows.get(r), 0, all, r * dim, dim);
      }
      writeChunk(dir, chunk, images.stream().mapToLong(Long::longValue).toArray(), all, dim);
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
