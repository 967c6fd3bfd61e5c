package org.mos.trainer.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.mos.common.io.AtomicFiles;
import org.mos.trainer.config.OneDnnCpuGuard;
import org.mos.trainer.data.StreamedImages;
import org.mos.trainer.head.HeadTrainingRun;
import org.mos.trainer.model.BitArchitecture;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.BitNpzImporter;
import org.mos.trainer.weights.BitNpzImporter.HeadPolicy;

/**
 * One finetuning run from a {@link TrainSpec} to checkpoints and metrics under the spec's output
 * folder: {@code checkpoint.npz} (every {@code checkpointEvery} steps, at the end and when
 * cancelled; atomic), {@code metrics.jsonl}, {@code layout.json} (the head's group layout), {@code
 * model.json} (what {@code export} needs, see {@link RunModel}) and {@code spec.json}. Used by
 * {@code trainer train} and by the job service.
 */
public final class TrainingRun {

  /** The checkpoint file name under the output folder. */
  public static final String CHECKPOINT = "checkpoint.npz";

  /** The metrics file name under the output folder. */
  public static final String METRICS = "metrics.jsonl";

  /** The file under the output folder that holds the run's {@link TrainSpec}. */
  public static final String SPEC = "spec.json";

  /** What the run reports as it goes. Called on the training thread. */
  public interface Listener {
    /** A human-readable progress line. */
    default void onMessage(String line) {}

    /** A logged step (the same values as the metrics line). */
    default void onStep(StepMetrics metrics) {}

    /** A checkpoint was written after {@code step} steps. */
    default void onCheckpoint(int step, Path file) {}

    /** Every optimiser step, with the time it took (for metrics). */
    default void onStepFinished(long nanos) {}
  }

  /**
   * @param step steps done (1-based)
   * @param valLoss validation loss when validation ran at this step, else null
   * @param valTop1 validation top-1 (group rule in group mode), else null
   */
  public record StepMetrics(
      int step,
      int totalSteps,
      double loss,
      double lr,
      double imagesPerSecond,
      Duration eta,
      Double valLoss,
      Double valTop1) {}

  /** How the run ended: at {@code step} of {@code totalSteps}, or cancelled before the end. */
  public record Outcome(
      int step, int totalSteps, boolean cancelled, Path checkpoint, long skipped) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final TrainSpec spec;
  private final Listener listener;
  private final BooleanSupplier cancelled;

  public TrainingRun(TrainSpec spec, Listener listener, BooleanSupplier cancelled) {
    spec.validate();
    if (spec.out == null || spec.out.isBlank()) {
      throw new IllegalArgumentException("out (the output folder) is required");
    }
    this.spec = spec;
    this.listener = listener;
    this.cancelled = cancelled;
  }

  /** Resolves the inputs, then trains to the end of the schedule or until cancelled. */
  public Outcome run() throws IOException {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true"); // never download anything at run time
    }
    if (spec.backbone != null) {
      return new HeadTrainingRun(spec, listener, cancelled).run(); // a head on frozen features
    }
    RunInputs inputs = RunInputs.resolve(spec);
    OneDnnCpuGuard.logDecision(); // libtorch starts below
    Path out = Path.of(spec.out);
    Files.createDirectories(out);
    AtomicFiles.write(out.resolve("layout.json"), JSON.writeValueAsBytes(inputs.modelLayout()));
    RunModel.of(spec, inputs).write(out);
    int crop = inputs.train().spec().crop();
    ResNetV2 model = model(inputs.modelLayout().numLogits());
    StreamedImages train = inputs.train();
    StreamedImages val = inputs.val();
    List<Device> devices =
        TrainingDevices.resolve(
            spec.devices, Engine.getEngine("PyTorch").getGpuCount(), listener::onMessage);
    if (devices.size() > 1 && spec.batchSplit % devices.size() != 0) {
      listener.onMessage(
          "batch split "
              + spec.batchSplit
              + " is not a multiple of the "
              + devices.size()
              + " devices: some devices get more micro-batches than others");
    }
    try (NDManager manager = NDManager.newBaseManager(devices.get(0));
        train;
        val) {
      manager.getEngine().setRandomSeed((int) spec.seed);
      model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, crop, crop));
      if (spec.weights != null) {
        BitNpzImporter.load(Path.of(spec.weights), model, HeadPolicy.ZERO);
      }
      SoftmaxLoss loss =
          spec.grouped() ? SoftmaxLoss.grouped(inputs.modelLayout()) : SoftmaxLoss.flat();
      Finetuner.Settings settings =
          new Finetuner.Settings(
              spec.batch, spec.batchSplit, spec.numBlockOpen, inputs.rule(), spec.seed);
      listener.onMessage("training on " + devices);
      try (Finetuner finetuner =
          new Finetuner(model, loss, inputs.train(), settings, manager, devices)) {
        EffectiveSettings effective =
            EffectiveSettings.of(
                inputs.train().spec(), inputs.rule(), settings, finetuner.openBlocks());
        writeSpec(out, effective);
        listener.onMessage(effective.describe());
        Path checkpoint = out.resolve(CHECKPOINT);
        if (spec.resume && Files.exists(checkpoint)) {
          Checkpoint.restore(checkpoint, finetuner);
          listener.onMessage("resumed from " + checkpoint + " at step " + finetuner.currentStep());
        }
        try (MetricsLog metrics = MetricsLog.open(out.resolve(METRICS), finetuner.currentStep())) {
          return loop(finetuner, inputs, loss, metrics, checkpoint, manager, effective);
        }
      }
    }
  }

  private Outcome loop(
      Finetuner finetuner,
      RunInputs inputs,
      SoftmaxLoss loss,
      MetricsLog metrics,
      Path checkpoint,
      NDManager manager,
      EffectiveSettings effective)
      throws IOException {
    int total = inputs.rule().totalSteps();
    int first = finetuner.currentStep();
    long start = System.nanoTime();
    boolean stopped = false;
    while (!finetuner.finished()) {
      if (cancelled.getAsBoolean()) {
        stopped = true;
        break;
      }
      long stepStart = System.nanoTime();
      Finetuner.StepReport r = finetuner.step().orElseThrow();
      listener.onStepFinished(System.nanoTime() - stepStart);
      int done = r.step() + 1;
      boolean validate =
          inputs.val() != null
              && ((spec.valEvery > 0 && done % spec.valEvery == 0) || done == total);
      if (validate || done % spec.logEvery == 0 || done == first + 1 || done == total) {
        double seconds = (System.nanoTime() - start) / 1e9;
        double perStep = seconds / (done - first);
        Validator.Result v =
            validate
                ? Validator.run(
                    finetuner.model(), loss, inputs.modelLayout(), inputs.val(), micro(), manager)
                : null;
        StepMetrics m =
            new StepMetrics(
                done,
                total,
                r.loss(),
                r.learningRate(),
                spec.batch / perStep,
                Duration.ofMillis(Math.round(perStep * (total - done) * 1000)),
                v == null ? null : v.loss(),
                v == null ? null : v.top1());
        Map<String, Object> line = metricsLine(m);
        if (done == first + 1) {
          line.put("run", effective.toMap()); // every start says what it runs
        }
        metrics.write(line);
        listener.onStep(m);
        listener.onMessage(progressLine(m));
      }
      if (done % spec.checkpointEvery == 0 && done < total) {
        save(finetuner, checkpoint);
      }
    }
    save(finetuner, checkpoint);
    long skipped = inputs.train().skipped() + (inputs.val() == null ? 0 : inputs.val().skipped());
    if (skipped > 0) {
      listener.onMessage(skipped + " unreadable image(s) skipped");
    }
    listener.onMessage(
        (stopped ? "stopped at step " : "finished ")
            + finetuner.currentStep()
            + (stopped ? "" : " steps")
            + ", checkpoint "
            + checkpoint);
    return new Outcome(finetuner.currentStep(), total, stopped, checkpoint, skipped);
  }

  /** {@code spec.json}: the spec as given, and what it resolved to under {@code effective}. */
  private void writeSpec(Path out, EffectiveSettings effective) throws IOException {
    ObjectNode json = JSON.valueToTree(spec);
    json.set("effective", JSON.valueToTree(effective.toMap()));
    AtomicFiles.write(out.resolve(SPEC), JSON.writeValueAsBytes(json));
  }

  private int micro() {
    return spec.batch / spec.batchSplit;
  }

  private void save(Finetuner finetuner, Path checkpoint) throws IOException {
    Checkpoint.save(checkpoint, finetuner);
    listener.onCheckpoint(finetuner.currentStep(), checkpoint);
  }

  /** The {@code metrics.jsonl} line of a logged step. */
  public static Map<String, Object> metricsLine(StepMetrics m) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", m.step());
    line.put("loss", m.loss());
    line.put("lr", m.lr());
    line.put("images_per_s", Math.round(m.imagesPerSecond() * 10) / 10.0);
    if (m.valLoss() != null) {
      line.put("val_loss", m.valLoss());
      line.put("val_top1", m.valTop1());
    }
    return line;
  }

  /** The progress line of a logged step. */
  public static String progressLine(StepMetrics m) {
    long s = m.eta().toSeconds();
    String line =
        String.format(
            "step %d/%d  loss %.5f  lr %.6f  %.1f img/s  ETA %d:%02d:%02d",
            m.step(),
            m.totalSteps(),
            m.loss(),
            m.lr(),
            m.imagesPerSecond(),
            s / 3600,
            s / 60 % 60,
            s % 60);
    if (m.valLoss() != null) {
      line += String.format("  val_loss %.5f  val_top1 %.4f", m.valLoss(), m.valTop1());
    }
    return line;
  }

  private ResNetV2 model(int numLogits) {
    ResNetV2.Builder builder = ResNetV2.builder().setArchitecture(BitArchitecture.parse(spec.arch));
    if (spec.units != null) {
      builder.setUnits(spec.units);
    }
    return builder.optBaseWidth(spec.baseWidth).setNumClasses(numLogits).build();
  }
}
