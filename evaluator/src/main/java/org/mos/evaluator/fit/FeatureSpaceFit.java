package org.mos.evaluator.fit;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.fit.KnnBankAccumulator;
import org.mos.common.fit.VimAccumulator;
import org.mos.common.inference.BundleModel;
import org.mos.common.onnx.LinearHead;
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.KnnBank;
import org.mos.common.score.KnnIndex;
import org.mos.common.score.VimStatistics;

/**
 * The {@code mos fit} steps of the feature-space methods: KNN's normalised feature bank ({@code
 * --knn-fit}, float32 {@code .npy}, memory-mapped by the scorer) and ViM's origin, residual basis
 * and alpha ({@code --vim-fit}; the head's W and b come from the bundle's {@code model.onnx} and
 * must reproduce its logits). Both stream their fit set, spilling features to disk, never holding
 * them on the heap.
 */
final class FeatureSpaceFit implements AutoCloseable {

  static final String KNN_BANK = "knn_bank.npy";
  static final String KNN_INDEX = "knn_index.jvector";
  static final String VIM_ORIGIN = "vim_origin.npy";
  static final String VIM_BASIS = "vim_residual_basis.npy";

  /** Largest relative difference between the head's logits and the model's (METHODS.md §0.2). */
  static final double HEAD_TOLERANCE = 1e-4;

  /**
   * The feature-space part of a {@link FitPlan}.
   *
   * @param knnFit KNN's fit set (the bank), or null
   * @param knnK KNN's K stored with the bank
   * @param vimFit ViM's fit set, or null
   * @param vimDim ViM's principal dimension, or null for the authors' rule on the feature width
   * @param knnHnsw the approximate index to build over KNN's bank ({@code --knn-index hnsw}), or
   *     null for the exact search alone
   */
  record Settings(Path knnFit, int knnK, Path vimFit, Integer vimDim, Hnsw knnHnsw) {
    static final Settings NONE = new Settings(null, 0, null, null, null);

    boolean any() {
      return knnFit != null || vimFit != null;
    }
  }

  /**
   * KNN's HNSW index parameters ({@link KnnIndex}).
   *
   * @param m the maximum degree (2 M on the base layer)
   * @param efConstruction the beam width while building
   * @param efSearch the beam width the bundle searches with (at least K)
   */
  record Hnsw(int m, int efConstruction, int efSearch) {}

  private final PrintWriter out;
  private final boolean paper;
  private final Path spillParent;
  private Path spillDir;
  private final java.util.List<AutoCloseable> open = new java.util.ArrayList<>();

  /**
   * @param spillParent where a temporary folder for the spilled features is made (the new bundle's
   *     parent folder: the bank is as large as the fit set's features)
   */
  FeatureSpaceFit(PrintWriter out, boolean paper, Path spillParent) {
    this.out = out;
    this.paper = paper;
    this.spillParent = spillParent;
  }

  private Path spillDir() throws IOException {
    if (spillDir == null) {
      java.nio.file.Files.createDirectories(spillParent);
      spillDir = java.nio.file.Files.createTempDirectory(spillParent, ".mos-fit-features-");
    }
    return spillDir;
  }

  /** Deletes the spilled features (the bank's file contents are written by then). */
  @Override
  public void close() throws IOException {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        out.println("mos fit: could not delete spilled features: " + e.getMessage());
      }
    }
    open.clear();
    if (spillDir != null) {
      org.mos.common.io.AtomicFiles.deleteTree(spillDir);
      spillDir = null;
    }
  }

  /** Fits KNN's bank into {@code next}. */
  void fitKnn(OutputCollector collector, ImageSet set, int k, Hnsw hnsw, NewBundle next)
      throws IOException {
    requireFeatures(collector);
    if (set.samples().size() < k) {
      throw FitException.usage(
          "knn: K = "
              + k
              + " but the fit set lists "
              + set.samples().size()
              + " images: give a larger --knn-fit set or a smaller --knn-k");
    }
    Path spillDir = spillDir();
    // created on the first batch, which gives the feature width; open until close()
    KnnBankAccumulator[] bank = {null};
    OutputCollector.Report read =
        collector.collect(
            "knn fit set",
            set,
            List.of(BundleModel.FEATURES),
            (outputs, rows) -> {
              FloatMatrix f = outputs.get(BundleModel.FEATURES);
              if (bank[0] == null) {
                try {
                  bank[0] = new KnnBankAccumulator(f.cols(), spillDir);
                  open.add(bank[0]);
                } catch (IOException e) {
                  throw unchecked(e);
                }
              }
              bank[0].add(f);
            });
    if (read.images() == 0 || bank[0] == null) {
      throw FitException.failed("knn: no readable image in " + set.source(), null);
    }
    if (read.images() < k) {
      throw FitException.usage(
          "knn: K = "
              + k
              + " but the fit set gave "
              + read.images()
              + " images: give a larger --knn-fit set or a smaller --knn-k");
    }
    KnnBankAccumulator acc = bank[0];
    int width = acc.dims();
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("k", k);
    params.put("normaliser", "x / ||x|| + 1e-10 (knn-ood run_imagenet.py)");
    params.putAll(provenance(collector, set, read, width));
    out.println("mos fit: knn: bank of " + read.images() + " x " + width + ", K " + k);
    if (hnsw == null) {
      params.put("index", "exact");
      next.put(
          "knn",
          new BundleManifest.Statistics(Map.of("bank", KNN_BANK), params),
          Map.of(KNN_BANK, acc::writeNpy));
      return;
    }
    // the index is built over the bank as the scorer maps it: written first, in the spill folder
    Path bankFile = spillDir.resolve(KNN_BANK);
    try (java.io.OutputStream o = java.nio.file.Files.newOutputStream(bankFile)) {
      acc.writeNpy(o);
    }
    Path indexFile = spillDir.resolve(KNN_INDEX);
    long start = System.nanoTime();
    out.println(
        "mos fit: knn: building the HNSW index (M "
            + hnsw.m()
            + ", efConstruction "
            + hnsw.efConstruction()
            + ") over "
            + read.images()
            + " rows");
    out.flush();
    KnnIndex.build(KnnBank.open(bankFile), hnsw.m(), hnsw.efConstruction(), indexFile);
    out.printf(
        java.util.Locale.ROOT,
        "mos fit: knn: HNSW index built in %.1f s%n",
        (System.nanoTime() - start) / 1e9);
    params.put("index", "hnsw");
    params.put("index_library", "io.github.jbellis:jvector");
    params.put("index_m", hnsw.m());
    params.put("index_ef_construction", hnsw.efConstruction());
    params.put("index_ef_search", hnsw.efSearch());
    params.put("index_similarity", "euclidean");
    next.put(
        "knn",
        new BundleManifest.Statistics(Map.of("bank", KNN_BANK, "index", KNN_INDEX), params),
        Map.of(
            KNN_BANK,
            o -> java.nio.file.Files.copy(bankFile, o),
            KNN_INDEX,
            o -> java.nio.file.Files.copy(indexFile, o)));
  }

  /** Fits ViM's statistics into {@code next}. */
  void fitVim(
      OutputCollector collector, ModelBundle input, ImageSet set, Integer dimOption, NewBundle next)
      throws IOException {
    Path spillDir = spillDir();
    requireFeatures(collector);
    LinearHead head;
    try {
      head = LinearHead.read(input.model(), BundleModel.LOGITS);
    } catch (RuntimeException e) {
      throw FitException.usage("vim needs the classifier head's W and b: " + e.getMessage());
    }
    int width = head.dim();
    int dim = dimOption == null ? VimAccumulator.authorsDim(width) : dimOption;
    VimAccumulator.Result result;
    OutputCollector.Report read;
    double[] mismatch = {0};
    try (VimAccumulator acc = newVim(head, dim, spillDir)) {
      read =
          collector.collect(
              "vim fit set",
              set,
              List.of(BundleModel.LOGITS, BundleModel.FEATURES),
              (outputs, rows) -> {
                FloatMatrix f = outputs.get(BundleModel.FEATURES);
                FloatMatrix z = outputs.get(BundleModel.LOGITS);
                if (f.cols() != width) {
                  throw FitException.usage(
                      "vim: the head read from model.onnx takes "
                          + width
                          + " features but the features output has "
                          + f.cols());
                }
                mismatch[0] = Math.max(mismatch[0], head.mismatch(f, z));
                if (mismatch[0] > HEAD_TOLERANCE) {
                  throw FitException.failed(
                      "vim: W f + b of the head read from model.onnx differs from the logits"
                          + " output by "
                          + mismatch[0]
                          + " (relative; at most "
                          + HEAD_TOLERANCE
                          + " expected): the features output is not the head's input",
                      null);
                }
                acc.add(f, z);
              });
      if (read.images() == 0) {
        throw FitException.failed("vim: no readable image in " + set.source(), null);
      }
      result = acc.result();
    }
    VimStatistics s = result.statistics();
    double[] eig = result.eigenvaluesDescending();
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("principal_dim", dim);
    params.put("alpha", s.alpha());
    params.put("head_mismatch", mismatch[0]);
    if (dim > 0) {
      // the subspace is well defined only when eigenvalues #DIM and #DIM+1 differ
      params.put("eigenvalue_at_dim", eig[dim - 1]);
      params.put("eigenvalue_after_dim", eig[dim]);
    }
    params.putAll(provenance(collector, set, read, width));
    out.println(
        "mos fit: vim: principal dimension " + dim + " of " + width + ", alpha " + s.alpha());
    int r = s.residualDims();
    next.put(
        "vim",
        new BundleManifest.Statistics(
            Map.of("origin", VIM_ORIGIN, "residual_basis", VIM_BASIS), params),
        Map.of(
            VIM_ORIGIN, o -> NpyBytes.float64(o, s.origin()),
            VIM_BASIS, o -> float64Matrix(o, s.residualBasis(), width, r)));
  }

  private static VimAccumulator newVim(LinearHead head, int dim, Path spillDir) throws IOException {
    try {
      return new VimAccumulator(head.weight(), head.bias(), dim, spillDir);
    } catch (IllegalArgumentException e) {
      throw FitException.usage(e.getMessage());
    }
  }

  private static void float64Matrix(java.io.OutputStream o, double[] values, int rows, int cols)
      throws IOException {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(values.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      b.putDouble(v);
    }
    org.mos.common.io.Npy.write(o, "<f8", new int[] {rows, cols}, b.array());
  }

  /**
   * Where the fitted state came from, as the statistics' {@code parameters}: the fit set, the
   * images read and skipped, the preprocessing, the feature width and how the choices were made.
   */
  private Map<String, Object> provenance(
      OutputCollector collector, ImageSet set, OutputCollector.Report read, int featureWidth) {
    Map<String, Object> p = new LinkedHashMap<>();
    Map<String, Object> data = set.describe();
    data.put("images", read.images());
    data.put("unreadable_skipped", read.unreadable().size());
    p.put("fit_set", data);
    p.put("preprocessing", String.valueOf(collector.model().preprocessSpec()));
    p.put("feature_dim", featureWidth);
    p.put("choices", paper ? "paper" : "custom");
    return p;
  }

  private static void requireFeatures(OutputCollector collector) {
    if (!collector.model().outputNames().contains(BundleModel.FEATURES)) {
      throw FitException.usage(
          "knn and vim read the penultimate features, but the bundle has no '"
              + BundleModel.FEATURES
              + "' output (outputs: "
              + collector.model().outputNames()
              + "); export or import it with its features");
    }
  }

  static UncheckedIOException unchecked(IOException e) {
    return new UncheckedIOException(e.getMessage(), e);
  }
}
