package org.mos.trainer.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.mos.common.io.AtomicFiles;

/**
 * The evaluation half of {@code mos demo}: the evaluator's {@code fit} (flat bundle, then group
 * bundle) and {@code evaluate} on the bundles the training half exported, with the argument lists a
 * user would type. Fitted bundles go to {@code OUT/bundles/{flat,group}-fitted}, the report to
 * {@code OUT/report}.
 */
final class DemoEvaluation {

  /** The ODIN paper's input perturbation magnitude and temperature (not tuned: no OOD data). */
  static final String ODIN_EPS = "0.0014";

  static final String ODIN_TEMPERATURE = "1000";

  /**
   * The multiplier of the fixed validation order for {@code --mahalanobis-tune}: image {@code i} of
   * the mixed list is line {@code i * 7919 mod n} of {@code val_flat.txt}.
   */
  static final long MIXING_PRIME = 7919;

  private final Path out;
  private final boolean mahalanobisTune;

  /**
   * @param out the demo's output folder ({@code --out})
   * @param mahalanobisTune fit Mahalanobis the paper's way ({@code --mahalanobis-tune})
   */
  DemoEvaluation(Path out, boolean mahalanobisTune) {
    this.out = out;
    this.mahalanobisTune = mahalanobisTune;
  }

  private Path data(String name) {
    return out.resolve("data").resolve(name);
  }

  private Path bundle(String name) {
    return out.resolve("bundles").resolve(name);
  }

  /**
   * Runs the three steps, stopping at the first that fails.
   *
   * @return 0, or the exit code of the step that failed
   */
  int run(EvaluatorJar evaluator, Consumer<String> log) throws IOException, InterruptedException {
    if (mahalanobisTune) {
      writeMixedOrder(data("val_flat.txt"), data("val_flat_mixed.txt"));
    }
    log.accept(
        "[fit] flat bundle: KL class means and Mahalanobis on the training set, calibration on"
            + " val");
    int code = evaluator.run(fitFlat());
    if (code != 0) {
      return code;
    }
    log.accept("[fit] group bundle: calibration on val");
    code = evaluator.run(fitGroup());
    if (code != 0) {
      return code;
    }
    log.accept(
        "[evaluate] MOS (group bundle) against the baselines (flat bundle; ODIN with input"
            + " perturbation eps "
            + ODIN_EPS
            + ", T "
            + ODIN_TEMPERATURE
            + ")");
    return evaluator.run(evaluate(oodSets(out.resolve("data").resolve("ood"))));
  }

  /**
   * {@code mos fit} of the flat bundle: KL matching's class means on the validation set (true
   * labels), Mahalanobis on the training set (the pre-logit layer, or with {@code
   * --mahalanobis-tune} five layers tuned on FGSM copies of the validation images in mixed order),
   * and ID calibration on the validation set.
   */
  List<String> fitFlat() {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "fit",
            "--bundle",
            bundle("flat").toString(),
            "--out",
            bundle("flat-fitted").toString(),
            "--replace",
            "--kl-fit",
            data("val").toString(),
            "--kl-labels",
            "true",
            "--mahalanobis-fit",
            data("train").toString()));
    if (mahalanobisTune) {
      args.addAll(
          List.of(
              "--mahalanobis-layers",
              "stem,block1,block2,block3,block4",
              "--mahalanobis-tune",
              "--mahalanobis-count",
              "150",
              "--mahalanobis-validation",
              data("val_flat_mixed.txt").toString()));
    } else {
      args.addAll(
          List.of(
              "--mahalanobis-layers",
              "features",
              "--mahalanobis-combiner",
              "single:features",
              "--mahalanobis-validation",
              data("val").toString()));
    }
    args.addAll(shapingFits());
    args.addAll(featureSpaceFits());
    args.addAll(List.of("--calibrate", data("val").toString()));
    return args;
  }

  /**
   * The state of the feature-space methods, both on the training set as their authors fit them:
   * KNN's bank with K = 50 (OpenOOD's setting for small benchmarks; the authors' ImageNet K = 1000
   * would be 42% of this bank) and ViM's subspace with the authors' dimension rule.
   */
  private List<String> featureSpaceFits() {
    return List.of(
        "--knn-fit",
        data("train").toString(),
        "--knn-k",
        KNN_K,
        "--vim-fit",
        data("train").toString());
  }

  /** KNN's K in the demo. */
  static final String KNN_K = "50";

  /**
   * The state of the activation-shaping methods: ReAct's c from the validation set's activations
   * (the authors' choice), DICE's mean feature from the training set (the authors' choice).
   */
  private List<String> shapingFits() {
    return List.of("--react-fit", data("val").toString(), "--dice-fit", data("train").toString());
  }

  /**
   * The table's methods: MOS alone and after each activation shaping on the group bundle; the
   * baselines, the shaping methods (energy after shaping, as published), GEN, KNN and ViM on the
   * flat one.
   */
  static final String METHODS =
      "group:mos,group:mos+react,group:mos+ash-p,group:mos+ash-b,group:mos+ash-s,"
          + "group:mos+scale,group:mos+dice,flat:msp,flat:odin,flat:mahalanobis,flat:energy,"
          + "flat:kl,flat:maxlogit,flat:react,flat:ash-p,flat:ash-b,flat:ash-s,flat:scale,"
          + "flat:dice,flat:gen,flat:knn,flat:vim";

  /**
   * {@code mos fit} of the group bundle: ReAct's and DICE's state (for MOS after shaping) and ID
   * calibration on the validation set.
   */
  List<String> fitGroup() {
    List<String> args =
        new ArrayList<>(
            List.of(
                "fit",
                "--bundle",
                bundle("group").toString(),
                "--out",
                bundle("group-fitted").toString(),
                "--replace"));
    args.addAll(shapingFits());
    args.addAll(List.of("--calibrate", data("val").toString()));
    return args;
  }

  /**
   * {@code mos evaluate}: MOS (group bundle) against the baselines (flat bundle; ODIN with input
   * perturbation, which only the flat bundle scores) on the ID test set and the given OOD sets
   * (folders of {@code OUT/data/ood}).
   */
  List<String> evaluate(List<String> oodSets) {
    List<String> args = new ArrayList<>(List.of("evaluate", "--id", data("test").toString()));
    for (String set : oodSets) {
      args.add("--ood");
      args.add(set + "=" + out.resolve("data").resolve("ood").resolve(set));
    }
    args.addAll(
        List.of(
            "--bundle",
            "group=" + bundle("group-fitted"),
            "--bundle",
            "flat=" + bundle("flat-fitted"),
            "--odin-eps",
            ODIN_EPS,
            "--odin-temperature",
            ODIN_TEMPERATURE,
            "--methods",
            METHODS,
            "--out",
            out.resolve("report").toString()));
    return args;
  }

  /** The names of the folders in {@code oodDir}, hidden ones left out, in code-point order. */
  static List<String> oodSets(Path oodDir) throws IOException {
    try (Stream<Path> entries = Files.list(oodDir)) {
      return entries
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(name -> !name.startsWith("."))
          .sorted()
          .toList();
    }
  }

  /**
   * The lines in a fixed mixed order, the same on every machine: line {@code i * 7919 mod n} comes
   * {@code i}-th. The Mahalanobis tuning reads its validation images in list order, and {@code
   * val_flat.txt} is sorted by class.
   */
  static List<String> mixedOrder(List<String> lines) {
    int n = lines.size();
    List<String> mixed = new ArrayList<>(n);
    for (long i = 0; i < n; i++) {
      mixed.add(lines.get((int) (i * MIXING_PRIME % n)));
    }
    return mixed;
  }

  /**
   * Writes the lines of {@code list} in {@link #mixedOrder} to {@code target}: lines end at {@code
   * \n} only, and each is written with one.
   */
  static void writeMixedOrder(Path list, Path target) throws IOException {
    String text = Files.readString(list, StandardCharsets.UTF_8);
    if (text.endsWith("\n")) {
      text = text.substring(0, text.length() - 1);
    }
    List<String> lines = text.isEmpty() ? List.of() : Arrays.asList(text.split("\n", -1));
    StringBuilder mixed = new StringBuilder();
    for (String line : mixedOrder(lines)) {
      mixed.append(line).append('\n');
    }
    AtomicFiles.writeString(target, mixed.toString());
  }
}
