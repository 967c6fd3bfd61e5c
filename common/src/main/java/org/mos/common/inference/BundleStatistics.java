package org.mos.common.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.KlLabelSource;
import org.mos.common.score.KnnBank;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisStatistics;
import org.mos.common.score.VimStatistics;

/**
 * Reads the fitted statistics of KL matching, Mahalanobis, ViM and KNN from a bundle.
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
 *       memory-mapped; parameter {@code k}.
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
