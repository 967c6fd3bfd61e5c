package org.mos.evaluator.fit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.fit.KlMeansAccumulator;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.Calibration;
import org.mos.common.inference.GradientGraphs;
import org.mos.common.io.AtomicFiles;
import org.mos.common.score.KlClassMeans;
import org.mos.common.score.KlLabelSource;
import org.mos.common.score.MahalanobisMagnitude;
import org.mos.common.score.OdinSettings;
import org.mos.evaluator.evaluate.OdinOptions;
import org.mos.evaluator.transport.ScoringTransport;

/**
 * Carries out a {@link FitPlan}: reads the data sets (failing early on bad ones), fits KL class
 * means, Mahalanobis statistics and the feature-space methods ({@link FeatureSpaceFit}), computes
 * ID calibration scores with the new bundle's own scorer, and writes the new bundle atomically. The
 * input bundle is only read.
 */
final class BundleFitter {

  static final String KL_MEANS = "kl_class_means.npy";
  static final String KL_CLASSES = "kl_classes.npy";
  static final String MAHALANOBIS = "mahalanobis.json";
  private static final String VJP_FILES = "odin_gradient.onnx or vjp_logits.onnx";

  private final FitPlan plan;
  private final ExtractionPlan extraction;
  private final PrintWriter out;
  private final PrintWriter err;

  BundleFitter(FitPlan plan, PrintWriter out, PrintWriter err) {
    this(plan, ExtractionPlan.IN_PROCESS, out, err);
  }

  BundleFitter(FitPlan plan, ExtractionPlan extraction, PrintWriter out, PrintWriter err) {
    this.plan = plan;
    this.extraction = extraction;
    this.out = out;
    this.err = err;
  }

  /** Fits and writes; returns the manifest of the new bundle. */
  BundleManifest run() throws IOException {
    try (ModelBundle input = ModelBundle.open(plan.bundle());
        BundleModel model = BundleModel.open(input, plan.inference());
        FeatureSpaceFit featureSpace =
            new FeatureSpaceFit(
                out, plan.paper(), plan.out().toAbsolutePath().normalize().getParent())) {
      BundleManifest manifest = input.manifest();
      Sets sets = readSets(manifest, model);
      if (extraction.remote() != null) {
        RemoteFitCheck.refuseWhatNeedsTheModel(
            plan, sets.layers, manifest, extraction.transportName());
      }
      try (ScoringTransport remote = connect()) {
        OutputCollector collector =
            new OutputCollector(
                model,
                plan.batchSize(),
                plan.workers(),
                plan.badImages(),
                err,
                remote,
                extraction.remote() == null ? null : extraction.remote().where(),
                extraction.cache(),
                extraction.chunkRows());
        return fitAll(input, model, featureSpace, manifest, sets, collector);
      }
    }
  }

  /** The remote transport to the scorer serving the input bundle, checked by checksum, or null. */
  private ScoringTransport connect() throws IOException {
    if (extraction.remote() == null) {
      return null;
    }
    try {
      return extraction
          .remote()
          .factory()
          .open(extraction.model(), plan.bundle().toString())
          .transport();
    } catch (IllegalArgumentException e) {
      throw FitException.usage(e.getMessage());
    }
  }

  private BundleManifest fitAll(
      ModelBundle input,
      BundleModel model,
      FeatureSpaceFit featureSpace,
      BundleManifest manifest,
      Sets sets,
      OutputCollector collector)
      throws IOException {
    ShapingFit shaping =
        plan.shaping().any()
            ? new ShapingFit(collector, plan.shaping(), manifest, plan.dataRoot(), out)
            : null;
    NewBundle next = new NewBundle(input);
    if (plan.setsOdin()) {
      putOdin(manifest, model, next);
    }
    if (sets.kl != null) {
      fitKl(collector, sets.kl, manifest, next);
    }
    if (sets.knn != null) {
      featureSpace.fitKnn(
          collector, sets.knn, plan.featureSpace().knnK(), plan.featureSpace().knnHnsw(), next);
    }
    if (sets.vim != null) {
      featureSpace.fitVim(collector, input, sets.vim, plan.featureSpace().vimDim(), next);
    }
    if (sets.mahalanobisFit != null) {
      MahalanobisFit fit = new MahalanobisFit(collector);
      MahalanobisFit.Result r =
          plan.mahalanobisTune() != null
              ? new MahalanobisTune(fit, collector, plan.mahalanobisTune(), out)
                  .tune(sets.mahalanobisFit, sets.layers, sets.validation, plan.mahalanobisCount())
              : fit.fit(
                  sets.mahalanobisFit,
                  sets.layers,
                  plan.combiner(),
                  sets.validation,
                  sets.negatives,
                  new MahalanobisMagnitude(plan.mahalanobisMagnitude()));
      ObjectMapper mapper = new ObjectMapper();
      out.println(
          "mos fit: mahalanobis combiner: "
              + mapper.writeValueAsString(r.parameters().get("combiner")));
      byte[] json = mapper.writeValueAsBytes(r.statistics());
      Map<String, Object> params = new LinkedHashMap<>(r.parameters());
      params.put("choices", plan.paper() ? "paper" : "custom");
      next.put(
          "mahalanobis",
          new BundleManifest.Statistics(Map.of("statistics", MAHALANOBIS), params),
          Map.of(MAHALANOBIS, o -> o.write(json)));
    }
    if (shaping != null) {
      shaping.fit(manifest, input.model(), next);
    }
    List<String> fitted = new ArrayList<>(next.refitted());
    if (sets.calibration != null) {
      fitted.add(Calibration.STATISTICS_KEY);
      next.dropCalibration();
    } else {
      next.dropStaleCalibration(err);
    }
    BundleManifest base = next.manifest(provenance(input, fitted));
    BundleManifest written;
    if (sets.calibration == null) {
      written = next.writeTo(plan.out(), plan.replace(), base, Map.of());
    } else {
      written = calibrateAndWrite(collector, model, next, base, sets.calibration);
    }
    return written;
  }

  /**
   * Stores ODIN's settings (a half not given keeps the input's), which the new bundle's scorer and
   * the evaluator use when a request gives none; refused before any image is read when epsilon > 0
   * and the bundle cannot perturb its input.
   */
  private void putOdin(BundleManifest manifest, BundleModel model, NewBundle next) {
    OdinSettings old = OdinSettings.PAPER_DEFAULT;
    if (plan.odinEpsilon() == null || plan.odinTemperature() == null) {
      try {
        old = GradientGraphs.odinDefaults(manifest);
      } catch (IllegalArgumentException e) {
        throw FitException.usage(
            e.getMessage() + "; give both --odin-eps and --odin-temperature to replace it");
      }
    }
    OdinSettings settings =
        new OdinOptions(plan.odinEpsilon(), plan.odinTemperature()).resolve(old);
    double eps = settings.epsilon();
    double t = settings.temperature();
    if (eps > 0 && !model.supportsInputPerturbation()) {
      throw FitException.usage(
          "odin epsilon "
              + eps
              + " > 0 needs a bundle with gradient graphs ("
              + VJP_FILES
              + "); this one has none: export or import it again with mos export / mos import");
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("epsilon", eps);
    params.put("temperature", t);
    next.put(
        GradientGraphs.ODIN_SETTINGS_KEY,
        new BundleManifest.Statistics(Map.of(), params),
        Map.of());
    out.println(
        "mos fit: odin: epsilon "
            + OdinOptions.number(eps)
            + ", temperature "
            + OdinOptions.number(t));
  }

  private void fitKl(
      OutputCollector collector, ImageSet set, BundleManifest manifest, NewBundle next) {
    KlLabelSource source = plan.klLabels();
    KlMeansAccumulator acc = new KlMeansAccumulator(source, manifest.logitCount());
    int[] labels = set.labels();
    OutputCollector.Report read =
        collector.collect(
            "kl fit set",
            set,
            List.of(BundleModel.LOGITS),
            (outputs, rows) -> {
              int[] y = null;
              if (labels != null) {
                y = new int[rows.length];
                for (int i = 0; i < rows.length; i++) {
                  y[i] = labels[rows[i]];
                }
              }
              acc.add(outputs.get(BundleModel.LOGITS), y);
            });
    if (read.images() == 0) {
      throw FitException.failed("kl: no readable image in " + set.source(), null);
    }
    KlClassMeans means = acc.result();
    double[][] m = means.means();
    int[] classes = means.classes();
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("labels", source == KlLabelSource.TRUE_LABELS ? "true" : "predicted");
    Map<String, Object> data = set.describe();
    data.put("images", read.images());
    data.put("unreadable_skipped", read.unreadable().size());
    data.put("classes", classes.length);
    params.put("fit_set", data);
    params.put("choices", plan.paper() ? "paper" : "custom");
    next.put(
        "kl",
        new BundleManifest.Statistics(
            Map.of("class_means", KL_MEANS, "classes", KL_CLASSES), params),
        Map.of(
            KL_MEANS, o -> NpyBytes.float64(o, m),
            KL_CLASSES, o -> NpyBytes.int64(o, classes)));
  }

  private BundleManifest calibrateAndWrite(
      OutputCollector collector,
      BundleModel model,
      NewBundle next,
      BundleManifest base,
      ImageSet set)
      throws IOException {
    // The calibration scores come from the scorer of the new bundle itself (written to a hidden
    // staging folder first), so they are exactly the scores the scorer will serve.
    Path staging = AtomicFiles.newStagingDirectory(plan.out());
    try {
      Path uncalibrated = staging.resolve("bundle");
      next.writeTo(uncalibrated, false, base, Map.of());
      try (ModelBundle opened = ModelBundle.open(uncalibrated)) {
        CalibrationFit.Result r =
            new CalibrationFit(collector).fit(opened, model, set, plan.calibrateMethods());
        return next.writeTo(
            plan.out(),
            plan.replace(),
            base.withStatistics(Calibration.STATISTICS_KEY, r.statistics()),
            r.files());
      }
    } finally {
      AtomicFiles.deleteTree(staging);
    }
  }

  private Map<String, Object> provenance(ModelBundle input, List<String> fitted) {
    Map<String, Object> p = new TreeMap<>(input.manifest().provenance());
    List<Object> fits = new ArrayList<>();
    if (p.get("fits") instanceof List<?> earlier) {
      fits.addAll(earlier);
    }
    Map<String, Object> fit = new LinkedHashMap<>();
    fit.put("tool", "mos fit");
    fit.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    fit.put("input_bundle", input.source().toString());
    fit.put("input_checksum", input.checksum());
    fit.put("fitted", List.copyOf(fitted));
    fit.put("choices", plan.paper() ? "paper" : "custom");
    fit.put("choice_details", plan.choices());
    fits.add(fit);
    p.put("fits", fits);
    return p;
  }

  /** The data sets of the plan, read and checked before any image is decoded. */
  private record Sets(
      ImageSet kl,
      ImageSet mahalanobisFit,
      List<String> layers,
      ImageSet validation,
      ImageSet negatives,
      ImageSet calibration,
      ImageSet knn,
      ImageSet vim) {}

  private Sets readSets(BundleManifest manifest, BundleModel model) {
    Path root = plan.dataRoot();
    ImageSet kl = null;
    if (plan.klFit() != null) {
      kl =
          plan.klLabels() == KlLabelSource.TRUE_LABELS
              ? ImageSet.labelled("--kl-fit", plan.klFit(), root, manifest)
              : ImageSet.unlabelled("--kl-fit", plan.klFit(), root);
    }
    ImageSet maha = null;
    List<String> layers = List.of();
    ImageSet validation = null;
    ImageSet negatives = null;
    if (plan.mahalanobisFit() != null) {
      layers = LayerChoice.resolve(plan, model.outputNames());
      plan.combiner().check(layers);
      maha = ImageSet.labelled("--mahalanobis-fit", plan.mahalanobisFit(), root, manifest);
      // tuning: the FGSM copies need the true classes; N images train, the next N choose m
      validation =
          plan.mahalanobisTune() != null
              ? ImageSet.labelled(
                      "--mahalanobis-validation", plan.mahalanobisValidation(), root, manifest)
                  .first((int) Math.min(Integer.MAX_VALUE, 2L * plan.mahalanobisCount()))
              : ImageSet.unlabelled("--mahalanobis-validation", plan.mahalanobisValidation(), root)
                  .first(plan.mahalanobisCount());
      if (plan.combiner().isLogisticRegression() && plan.mahalanobisTune() == null) {
        negatives =
            ImageSet.unlabelled("--mahalanobis-negatives", plan.mahalanobisNegatives(), root)
                .first(plan.mahalanobisCount());
      }
    }
    ImageSet calibration =
        plan.calibrate() == null
            ? null
            : ImageSet.unlabelled("--calibrate", plan.calibrate(), root);
    FeatureSpaceFit.Settings fs = plan.featureSpace();
    ImageSet knn = fs.knnFit() == null ? null : ImageSet.unlabelled("--knn-fit", fs.knnFit(), root);
    ImageSet vim = fs.vimFit() == null ? null : ImageSet.unlabelled("--vim-fit", fs.vimFit(), root);
    return new Sets(kl, maha, layers, validation, negatives, calibration, knn, vim);
  }
}
