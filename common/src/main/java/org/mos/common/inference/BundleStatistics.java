package org.mos.common.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.common.onnx.LinearHead;
import org.mos.common.score.HeadWeights;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.KlLabelSource;
import org.mos.common.score.KnnBank;
import org.mos.common.score.KnnIndex;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisStatistics;
import org.mos.common.score.ScoreMethod;
import org.mos.common.score.VimStatistics;

/**
 * Reads the fitted statistics of KL matching, Mahalanobis, ViM, KNN, ReAct, DICE and the stored
 * method parameters from a bundle, and its classifier head.
 *
 * <ul>
 *   <li>{@code kl}: file role {@code class_means}, a 2-D {@code .npy} (one class-mean softmax per
 *       row, logit count columns); optional role {@code classes}, a 1-D integer {@code .npy} of the
 *       class of each row (default 0..rows-1); parameter {@code labels}: {@code true} (grouped by
 *       true labels, the paper's script) or {@code predicted}.
 *   <li>{@code mahalanobis}: file role {@code statistics}, a JSON file of {@link
 *       MahalanobisStatistics}; parameter {@code layers}, the list of graph output names whose
 *       (spatially averaged) features feed the layers, in layer order.
 *   <li>{@code vim}: file roles {@code origin} (1-D float64 {@code .npy}, u) and {@code
 *       residual_basis} (2-D float64, NS, D x (D - DIM)); parameters {@code principal_dim} and
 *       {@code alpha}.
 *   <li>{@code knn}: file role {@code bank}, a 2-D float32 {@code .npy} of normalised features,
 *       memory-mapped; parameter {@code k}; optional file role {@code index}, an HNSW graph over
 *       the bank ({@link KnnIndex}, memory-mapped) searched with parameter {@code index_ef_search}.
 *   <li>{@code react}: parameter {@code clip} (ReAct's c), with its provenance.
 *   <li>{@code dice}: file role {@code mean}, a 1-D {@code .npy} of the mean penultimate feature;
 *       parameter {@code p}, the sparsity percentile.
 *   <li>{@code gen}, {@code ash-p}, {@code ash-b}, {@code ash-s}, {@code scale}: optional
 *       parameters ({@code gamma}, {@code m}; {@code p}) chosen by {@code mos fit}.
 * </ul>
 */
final class BundleStatistics {

  private BundleStatistics() {}

  /** KL class means, or null when the bundle has none. */
  static KlClassMeans klMeans(ModelBundle bundle) throws IOException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get("kl");
    if (s == null) {
      return null;
    }
    String meansFile = require(bundle, s, "kl", "class_means");
    double[][] means = Npy.read(bundle.file(meansFile)).toMatrix();
    int[] classes;
    if (s.files().containsKey("classes")) {
      NpyArray c = Npy.read(bundle.file(s.files().get("classes")));
      classes = c.toInts();
    } else {
      classes = new int[means.length];
      Arrays.setAll(classes, i -> i);
    }
    Object labels = s.parameters().getOrDefault("labels", "true");
    KlLabelSource source =
        "predicted".equals(String.valueOf(labels))
            ? KlLabelSource.PREDICTED_LABELS
            : KlLabelSource.TRUE_LABELS;
    try {
      return new KlClassMeans(source, classes, means);
    } catch (IllegalArgumentException e) {
      throw new BundleException(bundle.source() + ": kl statistics: " + e.getMessage());
    }
  }

  /** Mahalanobis statistics, or null when the bundle has none. */
  static MahalanobisStatistics mahalanobis(ModelBundle bundle) throws IOException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get("mahalanobis");
    if (s == null) {
      return null;
    }
    String file = require(bundle, s, "mahalanobis", "statistics");
    try {
      return new ObjectMapper().readValue(bundle.file(file).toFile(), MahalanobisStatistics.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new BundleException(
          bundle.source() + ": mahalanobis statistics " + file + ": " + e.getMessage());
    }
  }

  /** The graph outputs feeding Mahalanobis, in layer order. */
  static List<String> mahalanobisLayers(ModelBundle bundle) throws BundleException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get("mahalanobis");
    Object layers = s == null ? null : s.parameters().get("layers");
    if (!(layers instanceof List<?> list) || list.isEmpty()) {
      throw new BundleException(
          bundle.source()
              + ": mahalanobis statistics need parameter 'layers' (the output names per layer)");
    }
    return list.stream().map(String::valueOf).toList();
  }

  /** Mahalanobis' input perturbation as fitted (magnitude 0 when the parameter is absent). */
  static MahalanobisMagnitude mahalanobisMagnitude(ModelBundle bundle) throws BundleException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get("mahalanobis");
    Object m = s == null ? null : s.parameters().get(MahalanobisMagnitude.MANIFEST_PARAMETER);
    if (m == null) {
      return MahalanobisMagnitude.NONE;
    }
    try {
      if (!(m instanceof Number n)) {
        throw new IllegalArgumentException("'" + m + "' is not a number");
      }
      return new MahalanobisMagnitude(n.doubleValue());
    } catch (IllegalArgumentException e) {
      throw new BundleException(
          bundle.source()
              + ": mahalanobis parameter "
              + MahalanobisMagnitude.MANIFEST_PARAMETER
              + ": "
              + e.getMessage());
    }
  }

  /** ViM statistics, or null when the bundle has none. */
  static VimStatistics vim(ModelBundle bundle) throws IOException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get("vim");
    if (s == null) {
      return null;
    }
    NpyArray origin = Npy.read(bundle.file(require(bundle, s, "vim", "origin")));
    NpyArray basis = Npy.read(bundle.file(require(bundle, s, "vim", "residual_basis")));
    try {
      if (origin.rank() != 1 || basis.rank() != 2 || basis.shape()[0] != origin.shape()[0]) {
        throw new IllegalArgumentException(
            "origin of shape "
                + Arrays.toString(origin.shape())
                + " and residual basis of shape "
                + Arrays.toString(basis.shape())
                + " do not fit (expected (D,) and (D, D - DIM))");
      }
      int d = origin.shape()[0];
      return new VimStatistics(
          origin.values(),
          d - basis.shape()[1],
          basis.values(),
          number(s.parameters().get("alpha"), "alpha"));
    } catch (IllegalArgumentException e) {
      throw new BundleException(bundle.source() + ": vim statistics: " + e.getMessage());
    }
  }

  /** The KNN feature bank (memory-mapped), or null when the bundle has none. */
  static KnnBank knnBank(ModelBundle bundle) throws IOException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get("knn");
    if (s == null) {
      return null;
    }
    return KnnBank.open(bundle.file(require(bundle, s, "knn", "bank")));
  }

  /** Sets KNN's bank, its index and K in {@code settings} (none when the bundle has no bank). */
  static void knn(ModelBundle bundle, org.mos.common.score.ScoreSettings.Builder settings)
      throws IOException {
    KnnBank bank = knnBank(bundle);
    settings.knnBank(bank).knnIndex(knnIndex(bundle, bank)).knnK(knnK(bundle));
  }

  /** KNN's approximate index over {@code bank} (memory-mapped), or null for the exact search. */
  static KnnIndex knnIndex(ModelBundle bundle, KnnBank bank) throws IOException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get("knn");
    if (s == null || bank == null || !s.files().containsKey("index")) {
      return null;
    }
    Object ef = s.parameters().getOrDefault("index_ef_search", KnnIndex.DEFAULT_EF_SEARCH);
    if (!(ef instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 1) {
      throw new BundleException(
          bundle.source()
              + ": knn parameter index_ef_search is '"
              + ef
              + "', expected an integer >= 1");
    }
    return KnnIndex.open(bundle.file(require(bundle, s, "knn", "index")), bank, n.intValue());
  }

  /** KNN's K as fitted, or null when the bundle names none. */
  static Integer knnK(ModelBundle bundle) throws BundleException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get("knn");
    Object k = s == null ? null : s.parameters().get("k");
    if (k == null) {
      return null;
    }
    if (!(k instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 1) {
      throw new BundleException(
          bundle.source() + ": knn parameter k is '" + k + "', expected an integer >= 1");
    }
    return n.intValue();
  }

  private static double number(Object value, String name) {
    if (!(value instanceof Number n)) {
      throw new IllegalArgumentException("parameter " + name + " is '" + value + "', not a number");
    }
    return n.doubleValue();
  }

  /**
   * The classifier head read from the bundle's graph ({@link LinearHead}), with the reason the
   * activation-shaping methods are refused when there is none usable: no {@code features} output,
   * or logits that are not a linear layer with constant weights.
   */
  static HeadCheck head(ModelBundle bundle) {
    BundleManifest m = bundle.manifest();
    if (m.outputs() == null || !m.outputs().contains(BundleModel.FEATURES)) {
      return new HeadCheck(
          null, "the bundle has no '" + BundleModel.FEATURES + "' output (penultimate features)");
    }
    try {
      LinearHead h = LinearHead.read(bundle.model(), BundleModel.LOGITS);
      if (h.classes() != m.logitCount()) {
        return new HeadCheck(
            null,
            "the head read from model.onnx has "
                + h.classes()
                + " outputs but the bundle "
                + m.logitCount()
                + " logits");
      }
      return new HeadCheck(HeadWeights.of(h.weight(), h.bias()), null);
    } catch (IOException | RuntimeException e) {
      return new HeadCheck(null, "no classifier head found in model.onnx: " + e.getMessage());
    }
  }

  /**
   * The parameters stored for each method that takes some ({@link ScoreMethod#parameterNames}): the
   * numeric values of its statistics entry named like them (ReAct's {@code clip}, DICE's and a
   * searched ASH/SCALE {@code p}, GEN's {@code gamma} and {@code m}).
   */
  static Map<String, Map<String, Double>> methodParameters(ModelBundle bundle) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    for (ScoreMethod method : ScoreMethod.values()) {
      BundleManifest.Statistics s = bundle.manifest().statistics().get(method.id());
      if (s == null || method.parameterNames().isEmpty()) {
        continue;
      }
      Map<String, Double> values = new LinkedHashMap<>();
      for (String name : method.parameterNames()) {
        if (s.parameters().get(name) instanceof Number n) {
          values.put(name, n.doubleValue());
        }
      }
      out.put(method.id(), values);
    }
    return out;
  }

  /** DICE's fitted mean feature (file role {@code mean}, 1-D {@code .npy}), or null. */
  static double[] diceMean(ModelBundle bundle) throws IOException {
    BundleManifest.Statistics s = bundle.manifest().statistics().get(ScoreMethod.DICE.id());
    if (s == null) {
      return null;
    }
    NpyArray a = Npy.read(bundle.file(require(bundle, s, "dice", "mean")));
    if (a.rank() != 1) {
      throw new BundleException(
          bundle.source() + ": dice mean must be 1-D but has shape " + Arrays.toString(a.shape()));
    }
    float[] f = a.toFloats();
    double[] mean = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      mean[i] = f[i];
    }
    return mean;
  }

  private static String require(
      ModelBundle bundle, BundleManifest.Statistics s, String method, String role)
      throws BundleException {
    String file = s.files().get(role);
    if (file == null) {
      throw new BundleException(
          bundle.source() + ": statistics of '" + method + "' have no file for '" + role + "'");
    }
    return file;
  }
}
