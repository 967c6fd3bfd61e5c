package org.mos.trainer.head;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.cache.MappedOutput;
import org.mos.common.data.DatasetException;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.io.AtomicFiles;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.data.LabelledImages;
import org.mos.trainer.train.HyperRule;
import org.mos.trainer.train.MetricsLog;
import org.mos.trainer.train.RunInputs;
import org.mos.trainer.train.RunModel;
import org.mos.trainer.train.TrainSpec;
import org.mos.trainer.train.TrainingRun;
import org.mos.trainer.train.Validator;

/**
 * {@code train --backbone BUNDLE}: a new group-softmax (MOS) or flat head on the frozen features of
 * any bundle. The features of the training (and validation) images are extracted once through the
 * bundle with ONNX Runtime and cached ({@link FeatureCache}); the head trains on them with the
 * HyperRule schedule ({@link HeadTrainer}), with checkpoints, metrics and resume as in {@code
 * train}; at the end the head is attached to the backbone's graph and written as a new bundle
 * ({@link HeadBundleExport}). Outputs under the run folder: {@code checkpoint.npz}, {@code
 * metrics.jsonl}, {@code layout.json}, {@code spec.json}, {@code features/} (the cache, unless
 * elsewhere) and {@code bundle/} (unless elsewhere).
 */
public final class HeadTrainingRun {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final TrainSpec spec;
  private final TrainingRun.Listener listener;
  private final BooleanSupplier cancelled;

  public HeadTrainingRun(TrainSpec spec, TrainingRun.Listener listener, BooleanSupplier cancelled) {
    spec.validate();
    refuseFinetuningOptions(spec);
    if (spec.out == null || spec.out.isBlank()) {
      throw new IllegalArgumentException("out (the output folder) is required");
    }
    this.spec = spec;
    this.listener = listener;
    this.cancelled = cancelled;
  }

  /** Options that only mean something when the network itself trains. */
  private static void refuseFinetuningOptions(TrainSpec spec) {
    String given =
        spec.weights != null
            ? "--weights"
            : spec.units != null
                ? "--units"
                : spec.resize != null
                    ? "--resize"
                    : spec.crop != null
                        ? "--crop"
                        : spec.batchSplit != 1
                            ? "--batch-split"
                            : spec.numBlockOpen != 0 ? "--num-block-open" : null;
    if (given != null) {
      throw new IllegalArgumentException(
          given
              + " does not apply with --backbone: the backbone stays frozen and its images get the"
              + " bundle's own preprocessing (drop "
              + given
              + ")");
    }
  }

  /** Extracts (or reuses) the features, trains to the end or until cancelled, exports. */
  public TrainingRun.Outcome run() throws IOException {
    Path out = Path.of(spec.out);
    GroupLayout layout = RunInputs.layout(spec);
    boolean grouped = spec.grouped();
    GroupLayout head =
        RunModel.named(grouped ? layout : GroupLayout.flat(layout.numClasses()), layout, spec);
    LabelledImages trainSet =
        LabelledImages.read(Path.of(spec.train), path(spec.trainRoot), layout, grouped);
    if (trainSet.size() == 0) {
      throw new DatasetException(spec.train + " holds no images");
    }
    LabelledImages valSet =
        spec.val == null
            ? null
            : LabelledImages.read(Path.of(spec.val), path(spec.valRoot), layout, grouped);
    Path backbonePath = Path.of(spec.backbone);
    if (!Files.exists(backbonePath)) {
      throw new IllegalArgumentException(
          "backbone " + spec.backbone + " does not exist: expected a bundle folder or .zip");
    }
    Files.createDirectories(out);
    Path cacheRoot =
        spec.featureCache != null ? Path.of(spec.featureCache) : out.resolve("features");
    try (ModelBundle bundle = ModelBundle.open(backbonePath)) {
      HeadTrainer.LabelledFeatures train;
      HeadTrainer.LabelledFeatures val = null;
      FeatureCache.Settings extraction = extraction();
      try (BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
        listener.onMessage(
            "backbone " + backbonePath + " (" + bundle.manifest().architecture() + ")");
        train = features(model, "train", trainSet, cacheRoot, extraction);
        if (valSet != null) {
          val = features(model, "val", valSet, cacheRoot, extraction);
        }
      } catch (ImageDecodeException e) {
        throw new UncheckedIOException(new IOException(e.getMessage(), e));
      }
      HyperRule rule = RunInputs.rule(spec, train.features().rows());
      AtomicFiles.write(out.resolve("layout.json"), JSON.writeValueAsBytes(head));
      Map<String, Object> effective = effective(rule, train, cacheRoot);
      writeSpec(out, effective);
      listener.onMessage(describe(train, rule));
      return trainAndExport(bundle, head, train, val, rule, effective, out);
    }
  }

  /** Trains (or resumes) the head; unless cancelled, writes the bundle. */
  private TrainingRun.Outcome trainAndExport(
      ModelBundle bundle,
      GroupLayout head,
      HeadTrainer.LabelledFeatures train,
      HeadTrainer.LabelledFeatures val,
      HyperRule rule,
      Map<String, Object> effective,
      Path out)
      throws IOException {
    HeadTrainer trainer =
        new HeadTrainer(head, train, new HeadTrainer.Settings(spec.batch, rule, spec.seed));
    listener.onMessage("matrix products on " + HeadTrainer.blas());
    Path checkpoint = out.resolve(TrainingRun.CHECKPOINT);
    if (spec.resume && Files.exists(checkpoint)) {
      HeadCheckpoint.restore(checkpoint, trainer);
      listener.onMessage("resumed from " + checkpoint + " at step " + trainer.currentStep());
    }
    TrainingRun.Outcome outcome;
    Validator.Result last;
    try (MetricsLog metrics =
        MetricsLog.open(out.resolve(TrainingRun.METRICS), trainer.currentStep())) {
      HeadLoop loop = new HeadLoop(spec, listener, cancelled);
      outcome = loop.run(trainer, head, val, rule, metrics, effective, checkpoint);
      last = loop.lastValidation();
    }
    if (!outcome.cancelled()) {
      Path target = spec.export != null ? Path.of(spec.export) : out.resolve("bundle");
      Map<String, Object> provenance = new LinkedHashMap<>();
      provenance.put("source", "mos train --backbone (head on frozen features)");
      provenance.put("training", effective);
      if (last != null) {
        provenance.put("val_top1", last.top1());
      }
      BundleManifest written =
          HeadBundleExport.write(
              bundle, head, trainer.weight(), trainer.bias(), provenance, target);
      listener.onMessage(
          "bundle written to " + target + " (" + written.provenance().get("gradient_graphs") + ")");
    }
    return outcome;
  }

  private FeatureCache.Settings extraction() {
    int threads = spec.threads != null ? spec.threads : Runtime.getRuntime().availableProcessors();
    BadFilePolicy policy = BadFilePolicy.valueOf(spec.badFiles.toUpperCase(Locale.ROOT));
    // a --feature-cache folder may be shared by runs: only the run's own one is pruned
    return new FeatureCache.Settings(
        BundleModel.FEATURES,
        spec.extractBatch,
        threads,
        policy,
        FeatureCache.DEFAULT_CHUNK_ROWS,
        spec.featureCache == null);
  }

  private HeadTrainer.LabelledFeatures features(
      BundleModel model,
      String name,
      LabelledImages set,
      Path cacheRoot,
      FeatureCache.Settings extraction)
      throws IOException, ImageDecodeException {
    MappedOutput f =
        FeatureCache.extract(model, name, set.paths(), cacheRoot, extraction, listener::onMessage);
    int width = set.labelWidth();
    int[] labels = new int[f.rows() * width];
    for (int r = 0; r < f.rows(); r++) {
      System.arraycopy(set.labels(), f.image(r) * width, labels, r * width, width);
    }
    return new HeadTrainer.LabelledFeatures(f, labels, width);
  }

  private Map<String, Object> effective(
      HyperRule rule, HeadTrainer.LabelledFeatures train, Path cacheRoot) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("backbone", spec.backbone);
    e.put("head", spec.grouped() ? "group" : "flat");
    e.put("feature_dim", train.features().dim());
    e.put("examples", train.features().rows());
    e.put("feature_cache", cacheRoot.toString());
    e.put("schedule", rule.supports());
    e.put("base_lr", rule.baseLearningRate());
    e.put("mixup", rule.mixupAlpha());
    e.put("batch", spec.batch);
    e.put("seed", spec.seed);
    return e;
  }

  private static String describe(HeadTrainer.LabelledFeatures train, HyperRule rule) {
    return String.format(
        "head on frozen features: %d examples x %d features, %d steps, base lr %.6f, mixup %s",
        train.features().rows(),
        train.features().dim(),
        rule.totalSteps(),
        rule.baseLearningRate(),
        rule.mixupAlpha() > 0 ? "alpha " + rule.mixupAlpha() + " (on the features)" : "off");
  }

  private void writeSpec(Path out, Map<String, Object> effective) throws IOException {
    ObjectNode json = JSON.valueToTree(spec);
    json.set("effective", JSON.valueToTree(effective));
    AtomicFiles.write(out.resolve(TrainingRun.SPEC), JSON.writeValueAsBytes(json));
  }

  private static Path path(String s) {
    return s == null ? null : Path.of(s);
  }

  static Duration eta(double perStep, int left) {
    return Duration.ofMillis(Math.round(perStep * left * 1000));
  }
}
