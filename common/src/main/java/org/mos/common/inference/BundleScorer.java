package org.mos.common.inference;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
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
import org.mos.common.score.FloatMatrix;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.MahalanobisScore;
import org.mos.common.score.MahalanobisStatistics;
import org.mos.common.score.MethodId;
import org.mos.common.score.OdinSettings;
import org.mos.common.score.ScoreMethod;
import org.mos.common.score.ScoreSettings;

/**
 * Scores images with a bundle: the one owner of "which outputs, the plain pass, each method's
 * passes on perturbed inputs, the scores, the calibrated decisions". Every caller (the scorer
 * service, the evaluator's transports, {@code mos fit}) makes one call: {@link #score(BundleModel,
 * InputBatch, int, ScoreRequest)} for one request, or {@link #run} for a batch shared by several
 * requests (then {@link ScoringPass#score} per request).
 *
 * <p>The methods come from the registry ({@link ScoreMethod}): {@code mos} for group bundles;
 * {@code msp}, {@code maxlogit}, {@code energy}, {@code odin}; {@code kl}, {@code mahalanobis},
 * {@code knn} and {@code vim} when the bundle carries their statistics. Each runs behind {@link
 * MethodScorer}, so ODIN's input perturbation (epsilon from the request or else the bundle, {@link
 * GradientGraphs#odinDefaults}) and Mahalanobis' (the magnitude its statistics were fitted with)
 * are no special case here. The score functions are those of {@code org.mos.common.score}, so a
 * score served equals the score computed in training and evaluation. Immutable and thread-safe.
 */
public final class BundleScorer {

  private final BundleManifest manifest;
  private final GroupLayout layout;
  private final Map<String, MethodScorer> scorers;

  /** Combined and parameterised methods ({@code mos+react}, {@code ash-s@p=85}), made on demand. */
  private final DerivedMethods derived;

  private final ScoreSettings settings;
  private final HeadCheck head;
  private final Calibration calibration;
  private final OdinSettings odinDefaults;

  private BundleScorer(
      BundleManifest manifest,
      ScoreSettings settings,
      List<String> mahalanobisLayers,
      MahalanobisMagnitude mahalanobisMagnitude,
      Calibration calibration,
      HeadCheck head) {
    this.manifest = manifest;
    this.settings = settings;
    this.head = head;
    this.layout = layoutOf(manifest);
    this.calibration = calibration;
    this.odinDefaults = GradientGraphs.odinDefaults(manifest);
    boolean gradients = GradientGraphs.present(manifest);
    Map<String, MethodScorer> byId = new LinkedHashMap<>();
    for (ScoreMethod method : ScoreMethod.values()) {
      if (!method.supportedBy(settings) || !creatable(method, settings)) {
        continue;
      }
      MethodScorer scorer =
          switch (method) {
            case ODIN -> new OdinMethodScorer(this::odinSettings, gradients);
            case MAHALANOBIS ->
                new MahalanobisMethodScorer(
                    (MahalanobisScore) method.create(settings),
                    mahalanobisLayers,
                    mahalanobisMagnitude);
            case REACT, ASH_P, ASH_B, ASH_S, SCALE, DICE ->
                new ShapedMethodScorer(method, method.id(), method.create(settings), head);
            default -> new PlainMethodScorer(method, method.create(settings));
          };
      byId.put(method.id(), scorer);
    }
    this.scorers = Collections.unmodifiableMap(byId);
    this.derived = new DerivedMethods(settings, head);
  }

  /**
   * Whether the method can be made with the bundle's settings: a shaping at its default percentile
   * keeps no activation of a very narrow head (ASH at p 90 of 3 features), and is then not offered.
   */
  private static boolean creatable(ScoreMethod method, ScoreSettings settings) {
    if (!method.isShaping()) {
      return true;
    }
    try {
      method.create(settings);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The scorer of an opened bundle: its methods, statistics, calibration scores, and the classifier
   * head read from its graph (once per bundle) for the activation-shaping methods.
   */
  public static BundleScorer of(ModelBundle bundle) throws IOException {
    BundleManifest m = bundle.manifest();
    KlClassMeans kl = BundleStatistics.klMeans(bundle);
    MahalanobisStatistics maha = BundleStatistics.mahalanobis(bundle);
    List<String> layers = maha == null ? List.of() : BundleStatistics.mahalanobisLayers(bundle);
    HeadCheck head = BundleStatistics.head(bundle);
    ScoreSettings.Builder settings =
        ScoreSettings.builder()
            .layout(m.isGrouped() ? layoutOf(m) : null)
            .klMeans(kl)
            .mahalanobis(maha)
            .vim(BundleStatistics.vim(bundle))
            .head(head.head())
            .diceMean(BundleStatistics.diceMean(bundle));
    BundleStatistics.knn(bundle, settings);
    BundleStatistics.methodParameters(bundle).forEach(settings::parameters);
    return new BundleScorer(
        m,
        settings.build(),
        layers,
        maha == null ? MahalanobisMagnitude.NONE : BundleStatistics.mahalanobisMagnitude(bundle),
        Calibration.read(bundle),
        head);
  }

  private static GroupLayout layoutOf(BundleManifest m) {
    GroupLayout layout =
        m.isGrouped()
            ? GroupLayout.ofSizes(m.groupSizes().stream().mapToInt(Integer::intValue).toArray())
            : GroupLayout.flat(m.classNames().size());
    return layout.withClassNames(m.classNames());
  }

  /**
   * The supported registry methods, in registry order (the activation-shaping ones left out once
   * the head was found not to explain the logits, {@link HeadCheck}). Combinations ({@code
   * mos+react}) and parameterised ids ({@code ash-s@p=85}) of them are supported too.
   */
  public List<String> methods() {
    if (head.refusal() == null) {
      return List.copyOf(scorers.keySet());
    }
    return scorers.values().stream()
        .filter(s -> !(s instanceof ShapedMethodScorer))
        .map(MethodScorer::id)
        .toList();
  }

  /**
   * How the bundle runs method {@code id} (a registry id, a combination {@code score+shaping}, or
   * either with {@code @name=value} parameters).
   *
   * @throws IllegalArgumentException naming a method the bundle does not support, or a bad id
   */
  public MethodScorer methodScorer(String id) {
    MethodId parsed = MethodId.parse(id);
    String known = parsed.id();
    if (parsed.shaping() != null && head.refusal() != null) {
      throw new IllegalArgumentException(
          "this model does not support method '" + known + "': " + head.refusal());
    }
    MethodScorer scorer = scorers.get(known);
    if (scorer == null) {
      scorer = derived.get(parsed);
    }
    if (scorer == null) {
      throw new IllegalArgumentException(
          "this model does not support method '"
              + known
              + "'; it supports "
              + methods()
              + derived.why(parsed));
    }
    return scorer;
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
      out.add(methodScorer(id).id());
    }
    return List.copyOf(out);
  }

  /** ODIN's settings for a request: its own, else the bundle's. */
  public OdinSettings odinSettings(ScoreRequest request) {
    return request.odin() != null ? request.odin() : odinDefaults;
  }

  /**
   * The methods of a request that score perturbed inputs (ODIN with epsilon above 0, Mahalanobis
   * fitted with a magnitude above 0), in registry order; empty when none does. Callers use it to
   * refuse what cannot be done before any image is read.
   *
   * @throws IllegalArgumentException when a method would perturb but the bundle cannot (ODIN with
   *     epsilon above 0 on a bundle without gradient graphs), naming the setting
   */
  public List<String> perturbedMethods(ScoreRequest request) {
    List<String> out = new ArrayList<>();
    for (String id : resolveMethods(request)) {
      if (methodScorer(id).perturbs(request)) {
        out.add(id);
      }
    }
    return out;
  }

  /** The graph outputs a request needs: logits, plus features and method layers as asked. */
  public Set<String> requiredOutputs(ScoreRequest request) {
    Set<String> out = new LinkedHashSet<>();
    out.add(BundleModel.LOGITS);
    if (request.includeFeatures()) {
      out.add(BundleModel.FEATURES);
    }
    for (String id : resolveMethods(request)) {
      out.addAll(methodScorer(id).outputs());
    }
    return out;
  }

  /**
   * Scores the first {@code count} images of {@code batch} under {@code request}: the plain pass,
   * the passes on perturbed inputs of the methods that need them, then the scores and decisions.
   *
   * @throws IllegalArgumentException naming a method the bundle does not support, or settings it
   *     cannot apply
   */
  public ScoredBatch score(BundleModel model, InputBatch batch, int count, ScoreRequest request) {
    return run(model, batch, List.of(new ScoringPass.Part(request, count))).score(0);
  }

  /**
   * A pass over the first rows of {@code batch}, the parts scored each under its own request (a
   * micro-batch shared by several requests), with nothing run yet: {@link ScoringPass#runModel}
   * runs the model, {@link ScoringPass#score} scores a part.
   */
  public ScoringPass pass(BundleModel model, InputBatch batch, List<ScoringPass.Part> parts) {
    ScoringPass pass = new ScoringPass(this, model, batch, parts, null);
    for (ScoringPass.Part p : parts) {
      perturbedMethods(p.request()); // refuses unsupported methods and settings up front
    }
    return pass;
  }

  /** {@link #pass} with every model pass run ({@link ScoringPass#runModel}). */
  public ScoringPass run(BundleModel model, InputBatch batch, List<ScoringPass.Part> parts) {
    return pass(model, batch, parts).runModel();
  }

  /**
   * Scores a batch from outputs of a plain pass computed elsewhere (as returned by {@link
   * BundleModel#run} for {@link #requiredOutputs}).
   *
   * @throws IllegalArgumentException when a method of the request scores perturbed inputs, which
   *     needs the model ({@link #score(BundleModel, InputBatch, int, ScoreRequest)})
   */
  public ScoredBatch score(Map<String, FloatMatrix> outputs, ScoreRequest request) {
    FloatMatrix logits = outputs.get(BundleModel.LOGITS);
    int rows = logits == null ? 0 : logits.rows();
    return new ScoringPass(this, null, null, List.of(new ScoringPass.Part(request, rows)), outputs)
        .runModel()
        .score(0);
  }

  /** The method scorers a pass's parts ask for, in registry order. */
  List<MethodScorer> methodsOf(ScoringPass pass) {
    Set<String> asked = new LinkedHashSet<>();
    for (ScoringPass.Part p : pass.parts()) {
      asked.addAll(resolveMethods(p.request()));
    }
    // registry methods in registry order (ODIN's gradient pass may give the plain outputs), then
    // combined and parameterised ones as asked
    List<MethodScorer> out = new ArrayList<>();
    scorers.values().stream().filter(m -> asked.contains(m.id())).forEach(out::add);
    asked.stream().filter(id -> !scorers.containsKey(id)).map(this::methodScorer).forEach(out::add);
    return out;
  }

  double[] scoreMethod(ScoringPass pass, int part, String id) {
    ScoreRequest request = pass.parts().get(part).request();
    if (!resolveMethods(request).contains(id)) {
      throw new IllegalArgumentException(
          "part " + part + " of the pass does not ask for method '" + id + "'");
    }
    MethodScorer scorer = methodScorer(id);
    if (scorer.perturbs(request)) {
      pass.runPerturbed(scorer);
    }
    return scorer.score(pass, part);
  }

  ScoredBatch scorePart(ScoringPass pass, int part) {
    ScoreRequest request = pass.parts().get(part).request();
    List<String> methods = resolveMethods(request);
    Map<String, FloatMatrix> outputs = pass.plainRows(part);
    FloatMatrix logits = outputs.get(BundleModel.LOGITS);
    layout.checkLogitCount(logits.cols());
    Map<String, double[]> byMethod = new LinkedHashMap<>();
    for (String id : methods) {
      byMethod.put(id, pass.scores(part, id));
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
}
