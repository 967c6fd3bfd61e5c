package org.mos.evaluator.fit;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options of {@code mos fit} for the feature-space methods KNN and ViM (a mixin), and their
 * resolution into {@link FeatureSpaceFit.Settings}: checked (usage errors name the option and what
 * was expected) and recorded as choices with their origin.
 */
final class FeatureSpaceFitOptions {

  @Option(
      names = "--knn-fit",
      paramLabel = "DIR|LIST",
      description = "KNN's bank: ID images (labels not needed), e.g. ImageNet train.")
  Path knnFit;

  @Option(
      names = "--knn-k",
      paramLabel = "K",
      description =
          "KNN's K, the neighbour whose distance is the score (default 1000, the authors').")
  Integer knnK;

  @Option(
      names = "--knn-index",
      paramLabel = "exact|hnsw",
      description =
          "KNN's search: exact (default; blocked matrix products over the whole bank) or hnsw (an"
              + " approximate HNSW graph, jvector, built now and stored in the bundle, for banks"
              + " too large to read per query).")
  String knnIndex;

  @Option(
      names = "--knn-hnsw-m",
      paramLabel = "M",
      description = "HNSW maximum degree M (2 M on the base layer; default 16).")
  Integer knnHnswM;

  @Option(
      names = "--knn-hnsw-ef-construction",
      paramLabel = "N",
      description = "HNSW beam width while building (default 100).")
  Integer knnHnswEfConstruction;

  @Option(
      names = "--knn-hnsw-ef-search",
      paramLabel = "N",
      description = "HNSW beam width the bundle searches with, at least K (default 200).")
  Integer knnHnswEfSearch;

  @Option(
      names = "--vim-fit",
      paramLabel = "DIR|LIST",
      description = "ViM's fit set: ID images (labels not needed), e.g. 200,000 train images.")
  Path vimFit;

  @Option(
      names = "--vim-dim",
      paramLabel = "DIM",
      description =
          "ViM's principal subspace dimension (default: the authors' 1000 for D >= 2048, 512 for"
              + " D >= 768, else D / 2).")
  Integer vimDim;

  /** KNN's and ViM's fit sets, K and principal dimension, checked and recorded. */
  FeatureSpaceFit.Settings resolve(Map<String, String> choices) {
    if (knnFit == null && knnK != null) {
      throw FitException.usage("--knn-k needs --knn-fit DIR|LIST");
    }
    if (vimFit == null && vimDim != null) {
      throw FitException.usage("--vim-dim needs --vim-fit DIR|LIST");
    }
    int k = knnK == null ? org.mos.common.score.KnnScore.DEFAULT_K : knnK;
    if (k < 1) {
      throw FitException.usage("--knn-k is " + k + "; expected 1 or more");
    }
    if (vimDim != null && vimDim < 0) {
      throw FitException.usage("--vim-dim is " + vimDim + "; expected 0 or more");
    }
    FeatureSpaceFit.Hnsw hnsw = knnIndex();
    if (knnFit != null) {
      choices.put("knn.fit_set", knnFit.toString());
      choices.put(
          "knn.k", k + (knnK == null ? " (default: the authors' ImageNet K)" : " (--knn-k)"));
      choices.put(
          "knn.index",
          hnsw == null
              ? "exact (blocked matrix products over the whole bank)"
                  + (knnIndex == null ? " (default)" : " (--knn-index)")
              : "hnsw (jvector): M "
                  + hnsw.m()
                  + ", efConstruction "
                  + hnsw.efConstruction()
                  + ", efSearch "
                  + hnsw.efSearch()
                  + " (--knn-index hnsw)");
    }
    if (vimFit != null) {
      choices.put("vim.fit_set", vimFit.toString());
      choices.put(
          "vim.dim",
          vimDim == null
              ? "the authors' rule on the feature width D: 1000 if D >= 2048, 512 if D >= 768,"
                  + " else D / 2 (default)"
              : vimDim + " (--vim-dim)");
    }
    return new FeatureSpaceFit.Settings(knnFit, k, vimFit, vimDim, hnsw);
  }

  /** KNN's index: null for the exact search, else the HNSW parameters, checked. */
  private FeatureSpaceFit.Hnsw knnIndex() {
    String kind = knnIndex == null ? "exact" : knnIndex.strip().toLowerCase(Locale.ROOT);
    boolean tuned = knnHnswM != null || knnHnswEfConstruction != null || knnHnswEfSearch != null;
    if (!kind.equals("exact") && !kind.equals("hnsw")) {
      throw FitException.usage("--knn-index is '" + knnIndex + "'; expected exact or hnsw");
    }
    if (knnIndex != null && knnFit == null) {
      throw FitException.usage("--knn-index needs --knn-fit DIR|LIST");
    }
    if (tuned && !kind.equals("hnsw")) {
      throw FitException.usage("the --knn-hnsw-* options need --knn-index hnsw");
    }
    if (!kind.equals("hnsw")) {
      return null;
    }
    int m = positive(knnHnswM, org.mos.common.score.KnnIndex.DEFAULT_M, "--knn-hnsw-m", 2);
    int efc =
        positive(
            knnHnswEfConstruction,
            org.mos.common.score.KnnIndex.DEFAULT_EF_CONSTRUCTION,
            "--knn-hnsw-ef-construction",
            1);
    int efs =
        positive(
            knnHnswEfSearch,
            org.mos.common.score.KnnIndex.DEFAULT_EF_SEARCH,
            "--knn-hnsw-ef-search",
            1);
    return new FeatureSpaceFit.Hnsw(m, efc, efs);
  }

  private static int positive(Integer value, int fallback, String option, int min) {
    int v = value == null ? fallback : value;
    if (v < min) {
      throw FitException.usage(option + " is " + v + "; expected " + min + " or more");
    }
    return v;
  }
}
