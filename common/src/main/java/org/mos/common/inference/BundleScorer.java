package org.mos.common.inference;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.layout.GroupLayout;
import org.mos.common.layout.GroupPredictions;
import org.mos.common.score.Batch;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.MahalanobisPerturbation;
import org.mos.common.score.MahalanobisScore;
import org.mos.common.score.MahalanobisStatistics;
import org.mos.common.score.ModelOutputs;
import org.mos.common.score.OdinPerturbation;
import org.mos.common.score.OdinScore;
import org.mos.common.score.OodScore;
import org.mos.common.score.ScoreMethod;
import org.mos.common.score.ScoreSettings;

/**
 * Turns a bundle model's outputs into per-image predictions, OOD scores and calibrated decisions.
 * The score functions are those of {@code org.mos.common.score}, so a score served equals the score
 * computed in training and evaluation. Supported methods: {@code mos} for group bundles; {@code
 * msp}, {@code maxlogit}, {@code energy}, {@code odin} on the logits as they are; {@code kl} and
 * {@code mahalanobis} when the bundle carries their statistics. ODIN takes its epsilon and
 * temperature from the request or else the bundle ({@link GradientGraphs#odinDefaults}); with
 * epsilon > 0 (input perturbation, bundles with gradient graphs only) it scores the logits of the
 * perturbed input, which the caller gets from {@link BundleModel#runPerturbed} when {@link
 * #perturbation} says so. Immutable and thread-safe.
 */
public final class BundleScorer {

  private final BundleManifest manifest;
  private final GroupLayout layout;
  private final Map<String, OodScore> scores;
  private final List<String> mahalanobisLayers;
  private final Calibration calibration;
  private final OdinPerturbation odinDefaults;
  private final boolean gradients;
  private final MahalanobisPerturbation mahalanobisPerturbation;

  /**
   * The per-layer Mahalanobis scores of perturbed inputs (rows of images, one column per layer),
   * added by {@link #addPerturbedMahalanobis} for bundles fitted with a magnitude above 0.
   */
  public static final String MAHALANOBIS_LAYER_SCORES = "mahalanobis_layer_scores";

  private BundleScorer(
      BundleManifest manifest,
      Map<String, OodScore> scores,
      List<String> mahalanobisLayers,
      Calibration calibration,
      MahalanobisPerturbation mahalanobisPerturbation) {
    this.manifest = manifest;
    this.layout = layoutOf(manifest);
    this.scores = scores;
    this.mahalanobisLayers = mahalanobisLayers;
    this.calibration = calibration;
    this.odinDefaults = GradientGraphs.odinDefaults(manifest);
    this.gradients = GradientGraphs.present(manifest);
    this.mahalanobisPerturbation = mahalanobisPerturbation;
  }

  /** The scorer of an opened bundle: its methods, statistics and calibration scores. */
  public static BundleScorer of(ModelBundle bundle) throws IOException {
    BundleManifest m = bundle.manifest();
    KlClassMeans kl = BundleStatistics.klMeans(bundle);
    MahalanobisStatistics maha = BundleStatistics.mahalanobis(bundle);
    List<String> layers = maha == null ? List.of() : BundleStatistics.mahalanobisLayers(bundle);
    GroupLayout layout = layoutOf(m);
    ScoreSettings settings =
        ScoreSettings.builder()
            .layout(m.isGrouped() ? layout : null)
            .klMeans(kl)
            .mahalanobis(maha)
            .build();
    Map<String, OodScore> scores = new LinkedHashMap<>();
    for (ScoreMethod method : ScoreMethod.values()) {
      boolean supported =
          switch (method) {
            case MOS -> m.isGrouped();
            case KL -> kl != null;
            case MAHALANOBIS -> maha != null;
            default -> true;
          };
      if (supported) {
        scores.put(method.id(), method.create(settings));
      }
    }
    return new BundleScorer(
        m,
        Map.copyOf(scores),
        layers,
        Calibration.read(bundle),
        maha == null
            ? MahalanobisPerturbation.NONE
            : BundleStatistics.mahalanobisPerturbation(bundle));
  }

  private static GroupLayout layoutOf(BundleManifest m) {
    GroupLayout layout =
        m.isGrouped()
            ? GroupLayout.ofSizes(m.groupSizes().stream().mapToInt(Integer::intValue).toArray())
            : GroupLayout.flat(m.classNames().size());
    return layout.withClassNames(m.classNames());
  }

  /** The supported method ids, in registry order. */
  public List<String> methods() {
    List<String> ids = new ArrayList<>();
    for (ScoreMethod m : ScoreMethod.values()) {
      if (scores.containsKey(m.id())) {
        ids.add(m.id());
      }
    }
    return ids;
  }

  /** The calibration scores of the bundle (possibly empty). */
  public Calibration calibration() {
    return calibration;
  }

  /**
   * The methods a request resolves to: its methods, or all supported ones when it names none.
   *
   * @throws IllegalArgumentException naming a method the bundle does not support
   */
  public List<String> resolveMethods(ScoreRequest request) {
    if (request.methods().isEmpty()) {
      return methods();
    }
    Set<String> out = new LinkedHashSet<>();
    for (String id : request.methods()) {
      String known = ScoreMethod.byId(id).id();
      if (!scores.containsKey(known)) {
        throw new IllegalArgumentException(
            "this model does not support method '" + known + "'; it supports " + methods());
      }
      out.add(known);
    }
    return List.copyOf(out);
  }

  /** ODIN's settings for a request: its own, else the bundle's. */
  public OdinPerturbation odinSettings(ScoreRequest request) {
    return request.odin() != null ? request.odin() : odinDefaults;
  }

  /**
   * ODIN's input perturbation when a request needs one (it scores {@code odin} with epsilon > 0),
   * else empty: then run the batch with {@link BundleModel#runPerturbed}.
   *
   * @throws IllegalArgumentException when it does but the bundle has no gradient graph
   */
  public java.util.Optional<OdinPerturbation> perturbation(ScoreRequest request) {
    OdinPerturbation settings = odinSettings(request);
    if (!settings.perturbs() || !resolveMethods(request).contains(ScoreMethod.ODIN.id())) {
      return java.util.Optional.empty();
    }
    if (!gradients) {
      throw new IllegalArgumentException(
          "odin with epsilon "
              + settings.epsilon()
              + " perturbs the input, but this model has no gradient graphs; re-export it, or"
              + " use epsilon 0");
    }
    return java.util.Optional.of(settings);
  }

  /**
   * Mahalanobis' input perturbation when a request needs one (it scores {@code mahalanobis} and the
   * bundle's statistics were fitted with a magnitude above 0), else empty: then call {@link
   * #addPerturbedMahalanobis} before {@link #score}.
   */
  public java.util.Optional<MahalanobisPerturbation> mahalanobisPerturbation(ScoreRequest request) {
    if (!mahalanobisPerturbation.perturbs()
        || !resolveMethods(request).contains(ScoreMethod.MAHALANOBIS.id())) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(mahalanobisPerturbation);
  }

  /**
   * Adds {@link #MAHALANOBIS_LAYER_SCORES} to {@code outputs} when {@link #mahalanobisPerturbation}
   * says the request needs it: the per-layer scores of the first {@code count} images of {@code
   * batch}, each layer's input perturbed as {@link MahalanobisInputPerturbation} does. The layers'
   * outputs already in {@code outputs} (the unperturbed forward of {@link #requiredOutputs}) are
   * reused.
   */
  public void addPerturbedMahalanobis(
      BundleModel model,
      InputBatch batch,
      int count,
      ScoreRequest request,
      Map<String, Batch> outputs) {
    if (mahalanobisPerturbation(request).isEmpty()) {
      return;
    }
    double[][] perLayer =
        MahalanobisInputPerturbation.layerScores(
            model,
            batch,
            count,
            (MahalanobisScore) scores.get(ScoreMethod.MAHALANOBIS.id()),
            mahalanobisLayers,
            mahalanobisPerturbation,
            outputs);
    double[][] rows = new double[count][perLayer.length];
    for (int l = 0; l < perLayer.length; l++) {
      for (int r = 0; r < count; r++) {
        rows[r][l] = perLayer[l][r];
      }
    }
    outputs.put(MAHALANOBIS_LAYER_SCORES, Batch.ofRows(rows));
  }

  /** The graph outputs a request needs: logits, plus features and Mahalanobis layers as asked. */
  public Set<String> requiredOutputs(ScoreRequest request) {
    Set<String> out = new LinkedHashSet<>();
    out.add(BundleModel.LOGITS);
    if (request.includeFeatures()) {
      out.add(BundleModel.FEATURES);
    }
    if (resolveMethods(request).contains(ScoreMethod.MAHALANOBIS.id())) {
      out.addAll(mahalanobisLayers);
    }
    return out;
  }

  /**
   * Scores a batch from the model's outputs (as returned by {@link BundleModel#run} for {@link
   * #requiredOutputs}).
   */
  public ScoredBatch score(Map<String, Batch> outputs, ScoreRequest request) {
    List<String> methods = resolveMethods(request);
    Batch logits = outputs.get(BundleModel.LOGITS);
    layout.checkLogitCount(logits.cols());
    List<Batch> layers = new ArrayList<>();
    for (String name : mahalanobisLayers) {
      if (outputs.containsKey(name)) {
        layers.add(outputs.get(name));
      }
    }
    ModelOutputs modelOutputs = new ModelOutputs(logits, layers);
    Map<String, double[]> byMethod = new LinkedHashMap<>();
    for (String id : methods) {
      byMethod.put(
          id,
          id.equals(ScoreMethod.ODIN.id())
              ? odin(outputs, request)
              : id.equals(ScoreMethod.MAHALANOBIS.id())
                  ? mahalanobis(outputs, modelOutputs, request)
                  : scores.get(id).score(modelOutputs));
    }
    Map<String, String> omitted = new TreeMap<>();
    Map<String, Calibration.Threshold> thresholds = new LinkedHashMap<>();
    for (String id : methods) {
      calibration
          .threshold(id, request.tpr())
          .ifPresentOrElse(
              t -> thresholds.put(id, t),
              () -> omitted.put(id, "the bundle has no calibration scores for '" + id + "'"));
    }
    float[] all = logits.toArray();
    GroupPredictions predictions = layout.predict(all, logits.rows());
    List<ImageResult> images = new ArrayList<>();
    for (int r = 0; r < logits.rows(); r++) {
      Map<String, Double> s = new LinkedHashMap<>();
      Map<String, ImageResult.Decision> decisions = new LinkedHashMap<>();
      for (String id : methods) {
        double v = byMethod.get(id)[r];
        s.put(id, v);
        Calibration.Threshold t = thresholds.get(id);
        if (t != null) {
          double p = calibration.pValue(id, v).orElseThrow();
          decisions.put(id, new ImageResult.Decision(v < t.threshold(), t.threshold(), t.tpr(), p));
        }
      }
      int cls = predictions.flatClass(r);
      float[] row = Arrays.copyOfRange(all, r * logits.cols(), (r + 1) * logits.cols());
      images.add(
          new ImageResult(
              cls,
              manifest.classNames().get(cls),
              manifest.isGrouped() ? predictions.group(r) : null,
              predictions.probability(r),
              request.topK() > 0 ? topK(row, request.topK()) : List.of(),
              s,
              decisions,
              request.includeLogits() ? row : null,
              request.includeFeatures() ? outputs.get(BundleModel.FEATURES).row(r) : null));
    }
    return new ScoredBatch(images, omitted);
  }

  private double[] odin(Map<String, Batch> outputs, ScoreRequest request) {
    OdinPerturbation settings = odinSettings(request);
    Batch logits = outputs.get(BundleModel.LOGITS);
    if (perturbation(request).isPresent()) {
      logits = outputs.get(BundleModel.ODIN_LOGITS);
      if (logits == null) {
        throw new IllegalArgumentException(
            "odin with epsilon "
                + settings.epsilon()
                + " needs the logits of the perturbed input ('"
                + BundleModel.ODIN_LOGITS
                + "', from BundleModel.runPerturbed)");
      }
    }
    return new OdinScore(settings.temperature()).score(logits);
  }

  private double[] mahalanobis(
      Map<String, Batch> outputs, ModelOutputs modelOutputs, ScoreRequest request) {
    MahalanobisScore score = (MahalanobisScore) scores.get(ScoreMethod.MAHALANOBIS.id());
    if (mahalanobisPerturbation(request).isEmpty()) {
      return score.score(modelOutputs);
    }
    Batch perturbed = outputs.get(MAHALANOBIS_LAYER_SCORES);
    if (perturbed == null) {
      throw new IllegalArgumentException(
          "mahalanobis was fitted with input perturbation magnitude "
              + mahalanobisPerturbation.magnitude()
              + " and needs the per-layer scores of perturbed inputs ('"
              + MAHALANOBIS_LAYER_SCORES
              + "', from BundleScorer.addPerturbedMahalanobis)");
    }
    double[][] perLayer = new double[perturbed.cols()][perturbed.rows()];
    for (int r = 0; r < perturbed.rows(); r++) {
      float[] row = perturbed.row(r);
      for (int l = 0; l < row.length; l++) {
        perLayer[l][r] = row[l];
      }
    }
    return score.combine(perLayer);
  }

  /** The k most probable classes (probability within the group's softmax for a group bundle). */
  private List<ImageResult.ClassProbability> topK(float[] row, int k) {
    int classes = layout.numClasses();
    double[] prob = new double[classes];
    int skip = layout.hasOthers() ? 1 : 0;
    for (int g = 0; g < layout.numGroups(); g++) {
      int start = layout.sliceStart(g);
      int len = layout.sliceLength(g);
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < len; i++) {
        max = Math.max(max, row[start + i]);
      }
      double sum = 0;
      for (int i = 0; i < len; i++) {
        sum += Math.exp(row[start + i] - max);
      }
      for (int i = skip; i < len; i++) {
        prob[layout.classOf(g, i - skip)] = Math.exp(row[start + i] - max) / sum;
      }
    }
    Integer[] order = new Integer[classes];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Double.compare(prob[b], prob[a]));
    List<ImageResult.ClassProbability> out = new ArrayList<>();
    for (int i = 0; i < Math.min(k, classes); i++) {
      int c = order[i];
      out.add(new ImageResult.ClassProbability(c, manifest.classNames().get(c), prob[c]));
    }
    return out;
  }

  /** Rows {@code [from, from + count)} of every output, for scoring one request of a batch. */
  public static Map<String, Batch> slice(Map<String, Batch> outputs, int from, int count) {
    Map<String, Batch> out = new LinkedHashMap<>();
    outputs.forEach(
        (name, b) -> {
          float[] v = b.toArray();
          out.put(
              name,
              Batch.wrap(
                  Arrays.copyOfRange(v, from * b.cols(), (from + count) * b.cols()),
                  count,
                  b.cols()));
        });
    return out;
  }
}
