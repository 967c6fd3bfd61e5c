package org.mos.evaluator.fit;

import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mos.common.cache.CachedChunk;
import org.mos.common.cache.ChunkCache;
import org.mos.common.cache.ExtractionKey;
import org.mos.common.data.Sample;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.UnreadableImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleStream;
import org.mos.common.score.FloatMatrix;
import org.mos.evaluator.transport.ImageTask;
import org.mos.evaluator.transport.ScoredImage;
import org.mos.evaluator.transport.ScoringTransport;

/**
 * One {@link OutputCollector#collect} pass in chunks of images: each chunk is read from the cache
 * (common's {@link ChunkCache}, the format and mechanism of {@code mos train --feature-cache} too)
 * when a previous run completed it, else run through the bundle (in this process, or over a remote
 * transport that returns the outputs with its scores) and written to the cache. The consumer always
 * receives whole chunks in set order, so an interrupted and resumed run hands it exactly the rows
 * of an uninterrupted one and fits bit-identical statistics. Only one chunk's outputs are held at a
 * time.
 */
final class ChunkedPass {

  private final BundleModel model;
  private final int batchSize;
  private final int workers;
  private final BadFilePolicy policy;
  private final PrintWriter err;
  private final ScoringTransport remote;
  private final String via;
  private final Path cacheRoot;
  private final int chunkRows;

  ChunkedPass(
      BundleModel model,
      int batchSize,
      int workers,
      BadFilePolicy policy,
      PrintWriter err,
      ScoringTransport remote,
      String via,
      Path cacheRoot,
      int chunkRows) {
    this.model = model;
    this.batchSize = batchSize;
    this.workers = workers;
    this.policy = policy;
    this.err = err;
    this.remote = remote;
    this.via = via;
    this.cacheRoot = cacheRoot;
    this.chunkRows = chunkRows;
  }

  OutputCollector.Report run(
      String what, ImageSet set, List<String> outputs, OutputCollector.Consumer consumer) {
    if (remote != null && !ScoringTransport.INCLUDABLE.containsAll(outputs)) {
      throw FitException.usage(
          what
              + " needs the graph outputs "
              + outputs
              + ", but a scorer returns only "
              + new java.util.TreeSet<>(ScoringTransport.INCLUDABLE)
              + ": give --transport in-process");
    }
    List<Sample> samples = set.samples();
    int chunks = (samples.size() + chunkRows - 1) / chunkRows;
    try {
      ChunkCache cache = null;
      long cached = 0;
      if (cacheRoot != null) {
        cache = openCache(what, samples, outputs);
        int done = 0;
        for (int c = 0; c < chunks; c++) {
          if (cache.has(c)) {
            done++;
            cached += cache.key().imagesIn(c);
          }
        }
        if (done > 0) {
          log(
              what
                  + ": "
                  + (done == chunks ? "all " : "resuming, ")
                  + done
                  + " of "
                  + chunks
                  + " chunks cached in "
                  + cache.dir());
        }
      }
      FitProgress progress = new FitProgress(what, err, samples.size(), cached);
      int images = 0;
      List<UnreadableImage> unreadable = new ArrayList<>();
      for (int c = 0; c < chunks; c++) {
        int from = c * chunkRows;
        int to = Math.min(samples.size(), from + chunkRows);
        CachedChunk chunk;
        if (cache != null && cache.has(c)) {
          chunk = cache.read(c);
        } else {
          chunk =
              remote == null
                  ? inProcess(what, samples, from, to, outputs, progress)
                  : overTransport(what, samples, from, to, outputs, progress);
          if (cache != null) {
            cache.write(c, chunk);
          }
        }
        unreadable.addAll(chunk.skipped());
        images += chunk.rows().length;
        if (chunk.rows().length > 0) {
          consumer.accept(chunk.outputs(), chunk.rows());
        }
      }
      progress.finish(
          images,
          progress.seconds(),
          unreadable.size(),
          remote == null ? null : "over " + described(remote.name(), via));
      return new OutputCollector.Report(images, unreadable);
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": the cache in " + cacheRoot + ": " + e, e);
    }
  }

  /**
   * The pass's cache folder under {@code --cache}: older folders of this pass are removed; a folder
   * holding another extraction is a usage error naming {@code --cache}.
   */
  private ChunkCache openCache(String what, List<Sample> samples, List<String> outputs)
      throws IOException {
    ExtractionKey key =
        ExtractionKey.of(model, outputs, chunkRows, samples.stream().map(Sample::path).toList());
    try {
      return ChunkCache.open(
          cacheRoot,
          what.replace(' ', '-').toLowerCase(Locale.ROOT),
          key,
          new ChunkCache.Owner(what, "--cache", true),
          this::log);
    } catch (IllegalArgumentException e) {
      throw FitException.usage(e.getMessage());
    }
  }

  /** The transport in the end line: {@code grpc localhost:9001}, {@code kafka host:9092}. */
  private static String described(String name, String where) {
    if (where == null) {
      return name;
    }
    return where.startsWith(name + " ") ? where : name + " " + where;
  }

  private void log(String line) {
    err.println("mos fit: " + line);
    err.flush();
  }

  /** Runs images {@code from..to-1} through the bundle in this process. */
  private CachedChunk inProcess(
      String what,
      List<Sample> samples,
      int from,
      int to,
      List<String> outputs,
      FitProgress progress) {
    Rows rows = new Rows(outputs);
    List<UnreadableImage> skipped = new ArrayList<>();
    try (BundleStream<Sample> stream =
        BundleStream.builder(
                model, samples.subList(from, to), (Sample s) -> ImageSource.of(s.path()))
            .optBatchSize(batchSize)
            .optThreads(workers)
            .optBadFilePolicy(policy)
            .build()) {
      while (stream.hasNext()) {
        BundleStream<Sample>.Batch batch = stream.next();
        for (UnreadableImage u : batch.skipped()) {
          skip(skipped, new UnreadableImage(from + u.index(), u.source(), u.reason()));
        }
        if (batch.size() > 0) {
          Map<String, FloatMatrix> out = model.run(batch.input(), batch.size(), outputs);
          int[] indices = batch.inputIndices();
          for (int r = 0; r < indices.length; r++) {
            rows.add(from + indices[r], out, r);
          }
        }
        progress.extracted(batch.size() + batch.skipped().size());
      }
    } catch (ImageDecodeException e) {
      throw FitException.failed(
          what
              + ": cannot read image "
              + e.getMessage()
              + " (--on-bad-image fail; use --on-bad-image skip to skip and count such images)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FitException.failed(what + ": interrupted", e);
    }
    return rows.chunk(skipped);
  }

  /** Has images {@code from..to-1} run by the remote transport, which returns their outputs. */
  private CachedChunk overTransport(
      String what,
      List<Sample> samples,
      int from,
      int to,
      List<String> outputs,
      FitProgress progress) {
    List<ImageTask> tasks = new ArrayList<>();
    for (int i = from; i < to; i++) {
      Path p = samples.get(i).path();
      tasks.add(new ImageTask(i, "fit", p.toString(), p, -1));
    }
    // the scores are a by-product: ask for the cheapest method the scorer serves
    List<String> methods = remote.methods();
    String cheapest = methods.contains("maxlogit") ? "maxlogit" : methods.get(0);
    List<ScoredImage> results =
        remote
            .score(Multi.createFrom().iterable(tasks), List.of(cheapest), null, Set.copyOf(outputs))
            .onItem()
            .invoke(r -> progress.extracted(1))
            .collect()
            .asList()
            .await()
            .indefinitely();
    results = new ArrayList<>(results);
    results.sort(Comparator.comparingLong(ScoredImage::seq));
    Rows rows = new Rows(outputs);
    List<UnreadableImage> skipped = new ArrayList<>();
    for (ScoredImage r : results) {
      int index = Math.toIntExact(r.seq());
      if (r.failed()) {
        if (policy == BadFilePolicy.FAIL) {
          throw FitException.failed(
              what
                  + ": cannot read image "
                  + r.imageId()
                  + ": "
                  + r.error()
                  + " (--on-bad-image fail; use --on-bad-image skip to skip and count such images)",
              null);
        }
        skip(skipped, new UnreadableImage(index, r.imageId(), r.error()));
        continue;
      }
      Map<String, FloatMatrix> one = new LinkedHashMap<>();
      for (String o : outputs) {
        float[] v = r.outputs().get(o);
        if (v == null) {
          throw FitException.failed(
              what + ": the scorer returned no '" + o + "' for " + r.imageId(), null);
        }
        one.put(o, FloatMatrix.wrap(v, 1, v.length));
      }
      rows.add(index, one, 0);
    }
    return rows.chunk(skipped);
  }

  private void skip(List<UnreadableImage> skipped, UnreadableImage u) {
    err.println("mos fit: skipped unreadable image " + u.source() + ": " + u.reason());
    skipped.add(u);
  }

  /** One chunk's rows as they arrive, put in set order at the end. */
  private static final class Rows {
    private final List<String> outputs;
    private final List<Integer> indices = new ArrayList<>();
    private final Map<String, List<float[]>> values = new LinkedHashMap<>();

    Rows(List<String> outputs) {
      this.outputs = outputs;
      outputs.forEach(o -> values.put(o, new ArrayList<>()));
    }

    void add(int index, Map<String, FloatMatrix> out, int row) {
      indices.add(index);
      for (String o : outputs) {
        values.get(o).add(out.get(o).row(row));
      }
    }

    CachedChunk chunk(List<UnreadableImage> skipped) {
      Integer[] order = new Integer[indices.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, Comparator.comparingInt(indices::get));
      int[] rows = new int[order.length];
      for (int i = 0; i < order.length; i++) {
        rows[i] = indices.get(order[i]);
      }
      Map<String, FloatMatrix> out = new LinkedHashMap<>();
      if (rows.length > 0) {
        for (String o : outputs) {
          List<float[]> list = values.get(o);
          int cols = list.get(0).length;
          float[] all = new float[rows.length * cols];
          for (int i = 0; i < order.length; i++) {
            float[] row = list.get(order[i]);
            if (row.length != cols) {
              throw FitException.failed(
                  "output '"
                      + o
                      + "' has "
                      + row.length
                      + " values for one image, "
                      + cols
                      + " for another",
                  null);
            }
            System.arraycopy(row, 0, all, i * cols, cols);
          }
          out.put(o, FloatMatrix.wrap(all, rows.length, cols));
        }
      }
      return new CachedChunk(rows, out, List.copyOf(skipped));
    }
  }
}
