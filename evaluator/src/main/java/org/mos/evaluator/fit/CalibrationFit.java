package org.mos.evaluator.fit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.score.MethodId;

/**
 * ID calibration scores per method, computed over an ID validation set by the scorer of the
 * (uncalibrated) new bundle, in the format {@link org.mos.common.inference.Calibration} reads: one
 * 1-D float64 {@code .npy} per method.
 */
final class CalibrationFit {

  /**
   * The calibration statistics and their files.
   *
   * @param statistics the {@code calibration} entry of the manifest
   * @param files file name -> content
   */
  record Result(BundleManifest.Statistics statistics, Map<String, BundleWriter.Content> files) {}

  private final OutputCollector collector;

  /**
   * A method id as a bundle file name, which allows only letters, digits, '.', '_' and '-': every
   * other character (the '+', '@' and '=' of {@code mos+ash-s@p=85}) becomes '_' and its hex code.
   */
  static String fileStem(String id) {
    StringBuilder b = new StringBuilder();
    for (char c : id.toCharArray()) {
      if (Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '-') {
        b.append(c);
      } else {
        b.append('_').append(String.format(java.util.Locale.ROOT, "%02x", (int) c));
      }
    }
    return b.toString();
  }

  CalibrationFit(OutputCollector collector) {
    this.collector = collector;
  }

  /**
   * Scores {@code set} with every method of {@code methods} (all the bundle supports when empty).
   *
   * @throws FitException (usage) naming a method the new bundle does not support
   */
  Result fit(ModelBundle bundle, BundleModel model, ImageSet set, List<String> methods)
      throws IOException {
    BundleScorer scorer = BundleScorer.of(bundle);
    List<String> chosen = new ArrayList<>();
    for (String id : methods.isEmpty() ? scorer.methods() : methods) {
      String known;
      try {
        known = MethodId.parse(id).id();
      } catch (IllegalArgumentException e) {
        throw FitException.usage("--calibrate-methods: " + e.getMessage());
      }
      try {
        scorer.methodScorer(known);
      } catch (IllegalArgumentException e) {
        throw FitException.usage(
            "--calibrate-methods names '"
                + known
                + "' but the new bundle supports only "
                + scorer.methods()
                + " and their combinations: "
                + e.getMessage());
      }
      chosen.add(known);
    }
    ScoreRequest request = new ScoreRequest(chosen, ScoreRequest.DEFAULT_TPR, 0, false, false);
    Map<String, List<Double>> scores = new LinkedHashMap<>();
    chosen.forEach(m -> scores.put(m, new ArrayList<>()));
    OutputCollector.Report read;
    if (collector.chunked() && scorer.perturbedMethods(request).isEmpty()) {
      // over a remote transport, or cached: score the plain outputs, as the served scorer does
      List<String> needed = List.copyOf(new java.util.TreeSet<>(scorer.requiredOutputs(request)));
      read =
          collector.collect(
              "calibration set",
              set,
              needed,
              (outputs, rows) -> {
                for (ImageResult r : scorer.score(outputs, request).images()) {
                  chosen.forEach(m -> scores.get(m).add(r.scores().get(m)));
                }
              });
    } else {
      read =
          collector.collectInputs(
              "calibration set",
              set,
              (input, count, rows) -> {
                // the scores the new bundle serves: ODIN with the bundle's epsilon, Mahalanobis
                // fitted with an input perturbation magnitude, each on its perturbed inputs
                for (ImageResult r : scorer.score(model, input, count, request).images()) {
                  chosen.forEach(m -> scores.get(m).add(r.scores().get(m)));
                }
              });
    }
    if (read.images() == 0) {
      throw FitException.failed("calibration: no readable image in " + set.source(), null);
    }
    Map<String, String> files = new TreeMap<>();
    Map<String, BundleWriter.Content> contents = new LinkedHashMap<>();
    for (Map.Entry<String, List<Double>> e : scores.entrySet()) {
      String name = "calibration_" + fileStem(e.getKey()) + ".npy";
      double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      files.put(e.getKey(), name);
      contents.put(name, o -> NpyBytes.float64(o, v));
    }
    Map<String, Object> params = new LinkedHashMap<>();
    Map<String, Object> data = set.describe();
    data.put("images", read.images());
    data.put("unreadable_skipped", read.unreadable().size());
    params.put("dataset", data);
    params.put("methods", List.copyOf(chosen));
    return new Result(new BundleManifest.Statistics(files, params), contents);
  }
}
