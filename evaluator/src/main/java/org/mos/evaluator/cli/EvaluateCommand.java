package org.mos.evaluator.cli;

import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import org.mos.common.data.DatasetException;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.inference.Device;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.metrics.Convention;
import org.mos.evaluator.evaluate.EvaluationRun;
import org.mos.evaluator.evaluate.InProcessTransports;
import org.mos.evaluator.evaluate.OdinOptions;
import org.mos.evaluator.evaluate.TransportFactory;
import org.mos.evaluator.evaluate.TransportOptions;
import org.mos.evaluator.transport.MessagingTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mos evaluate}: scores an ID test set and OOD sets with one or more model bundles and
 * writes the paper's table. Options are parsed and checked here; {@link EvaluationRun} does the
 * work. The transport is chosen in {@link #transportFactory()}.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Scores the ID test set and every OOD set with each bundle's methods, then writes"
          + " OUT/results.{md,json,csv}, OUT/figures/*.png (ROC curves, score histograms) and"
          + " OUT/report.html (AUROC, AUPR, FPR95 per OOD set; ID top-1 accuracy per bundle) and"
          + " prints the table.",
      "Scores are kept in OUT/scores/ as they arrive: run the same command again after an"
          + " interruption and only the missing images are scored (ODIN's scores only by a run"
          + " with the same --odin-eps and --odin-temperature).",
      "Input perturbation: ODIN with --odin-eps above 0; Mahalanobis of a bundle fitted with"
          + " --mahalanobis-magnitude above 0 (mos fit) perturbs by that magnitude. Both work on"
          + " every transport; the report states the settings."
    })
public class EvaluateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--id",
      required = true,
      paramLabel = "[NAME=]DIR|LIST",
      description =
          "ID test set: an ImageFolder tree (class folders named as the bundle's classes) or a"
              + " list file 'path label' / 'path group index_in_group' (paths relative to it).")
  String id;

  @Option(
      names = "--ood",
      required = true,
      paramLabel = "NAME=DIR|LIST",
      description =
          "An OOD set (repeatable, table order): a folder of images at any depth, or a list of"
              + " image paths.")
  List<String> ood;

  @Option(
      names = "--bundle",
      required = true,
      paramLabel = "[NAME=]PATH",
      description = "A model bundle folder or .zip (repeatable; NAME defaults to the folder name).")
  List<String> bundles;

  @Option(
      names = "--methods",
      split = ",",
      paramLabel = "LIST",
      description =
          "Methods: ids (mos, msp, odin, energy, kl, mahalanobis, maxlogit, react, ash-p,"
              + " ash-b, ash-s, scale, dice, gen), combinations score+shaping (mos+react,"
              + " msp+scale), parameters per run as ID@name=value (ash-s@p=85, react@clip=1.0,"
              + " gen@gamma=0.5@m=10), or BUNDLE:ID. Default: mos for a group-softmax bundle,"
              + " every supported method for a flat one.")
  List<String> methods;

  @Option(
      names = "--odin-eps",
      paramLabel = "E",
      description =
          "ODIN's input perturbation: x' = x - E * sign(gradient of the cross-entropy of logits/T"
              + " against the predicted class), on the normalised input (0 = temperature scaling"
              + " only; above 0 needs a bundle with gradient graphs and costs about 3 forward"
              + " passes). Default: the bundle's statistics.odin epsilon, else 0 (the MOS paper's"
              + " scripts).")
  Double odinEps;

  @Option(
      names = "--odin-temperature",
      paramLabel = "T",
      description =
          "ODIN's temperature T (above 0). Default: the bundle's statistics.odin temperature,"
              + " else 1000 (the paper's).")
  Double odinTemperature;

  @Option(
      names = "--convention",
      defaultValue = "paper",
      paramLabel = "paper|openood",
      description = "Metric definitions (default: ${DEFAULT-VALUE}).")
  String convention;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
  Path out;

  @Option(
      names = "--batch-size",
      defaultValue = "16",
      description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Image decoding threads (default: the number of processors).")
  Integer threads;

  @Option(
      names = "--model-threads",
      defaultValue = "0",
      paramLabel = "N",
      description = "ONNX Runtime intra-op threads (default: 0 = ONNX Runtime's choice).")
  int modelThreads;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      paramLabel = "cpu|cuda",
      description = "Where the model runs (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--on-bad-image",
      defaultValue = "skip",
      paramLabel = "skip|fail",
      description =
          "An undecodable image: list it as skipped, or stop (default: ${DEFAULT-VALUE}).")
  String onBadImage;

  @picocli.CommandLine.Mixin TransportOptions transportOptions = new TransportOptions();

  @Inject MessagingTransports messaging;

  @Option(names = "--fresh", description = "Ignore and replace the stored scores.")
  boolean fresh;

  /** Nanosecond clock of the test times (tests fix it to make timings reproducible). */
  LongSupplier clock = System::nanoTime;

  /** Set by tests (or another transport option) to replace the in-process transport. */
  TransportFactory transports;

  /** Batches that may exist at once in the in-process transport (decode ahead of the model). */
  static final int BATCHES_IN_FLIGHT = 3;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    EvaluationRun.Options options;
    try {
      options = options();
    } catch (IllegalArgumentException e) {
      err.println("mos evaluate: " + e.getMessage());
      err.flush();
      return 2;
    }
    try {
      EvaluationRun.Outcome outcome =
          new EvaluationRun(options, transportFactory(), clock, err, terminal()).run();
      PrintWriter o = spec.commandLine().getOut();
      o.println(outcome.table());
      if (!outcome.results().skipped().isEmpty()) {
        o.printf(
            "%d images skipped (listed in results.json)%n", outcome.results().skipped().size());
      }
      o.println(
          "report written to "
              + out
              + ": results.md, results.json, results.csv, figures/*.png, report.html");
      o.flush();
      return 0;
    } catch (IllegalArgumentException | DatasetException e) {
      err.println("mos evaluate: " + e.getMessage());
      err.flush();
      return 2;
    } catch (Exception e) {
      err.println("mos evaluate: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  private EvaluationRun.Options options() {
    if (batchSize < 1) {
      throw new IllegalArgumentException("--batch-size is " + batchSize + "; expected 1 or more");
    }
    int decodeThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (decodeThreads < 1) {
      throw new IllegalArgumentException("--threads is " + decodeThreads + "; expected 1 or more");
    }
    BadFilePolicy policy =
        switch (onBadImage.strip().toLowerCase(Locale.ROOT)) {
          case "skip" -> BadFilePolicy.SKIP;
          case "fail" -> BadFilePolicy.FAIL;
          default ->
              throw new IllegalArgumentException(
                  "--on-bad-image '" + onBadImage + "': expected skip or fail");
        };
    for (String o : ood) {
      if (o.indexOf('=') < 1) {
        throw new IllegalArgumentException("--ood '" + o + "': expected NAME=DIR or NAME=LIST");
      }
    }
    return new EvaluationRun.Options(
        id,
        new ArrayList<>(ood),
        new ArrayList<>(bundles),
        methods,
        Convention.fromId(convention.strip().toLowerCase(Locale.ROOT)),
        out,
        fresh,
        policy,
        new OdinOptions(odinEps, odinTemperature));
  }

  /**
   * Where the models are scored: in this process by default. A remote transport ({@code --scorer
   * URL}, {@code --kafka BOOTSTRAP}) returns its own {@link TransportFactory} here.
   */
  TransportFactory transportFactory() {
    if (transports != null) {
      return transports;
    }
    int decodeThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    InferenceOptions inference = new InferenceOptions(Device.parse(device), false, modelThreads);
    TransportOptions.Remote remote = transportOptions.remote(spec, messaging, inference, batchSize);
    if (remote != null) {
      return remote.factory();
    }
    return new InProcessTransports(inference, batchSize, decodeThreads, BATCHES_IN_FLIGHT, clock);
  }

  private static boolean terminal() {
    return System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }
}
