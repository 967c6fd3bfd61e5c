package org.mos.trainer.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mos.trainer.data.NpzTrainingData;
import org.mos.trainer.model.BitArchitecture;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.train.Checkpoint;
import org.mos.trainer.train.Finetuner;
import org.mos.trainer.train.Finetuner.StepReport;
import org.mos.trainer.train.GroupSlices;
import org.mos.trainer.train.HyperRule;
import org.mos.trainer.train.SoftmaxLoss;
import org.mos.trainer.train.TrainingData;
import org.mos.trainer.weights.BitNpzImporter;
import org.mos.trainer.weights.BitNpzImporter.HeadPolicy;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code train}: BiT-HyperRule finetuning with checkpoints and resume. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Finetune a BiT ResNetV2 on preprocessed tensors (BiT-HyperRule).")
public class TrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--architecture",
      defaultValue = "BiT-S-R101x1",
      description =
          "R50x1 .. R152x4, optionally BiT-S-/BiT-M- prefixed (default ${DEFAULT-VALUE}).")
  String architecture;

  @Option(
      names = "--base-width",
      defaultValue = "64",
      description = "Stem width before the width factor; 32 gives a half-width variant.")
  int baseWidth;

  @Option(
      names = "--units",
      split = ",",
      description = "Units per block, overriding the architecture.")
  int[] units;

  @Option(names = "--weights", description = "BiT .npz to start from (head zeroed).")
  Path weights;

  static final class Head {
    @Option(names = "--classes", required = true, description = "Flat softmax over N classes.")
    Integer classes;

    @Option(
        names = "--groups",
        required = true,
        split = ",",
        description = "Group softmax (MOS) with these group sizes, e.g. 398,521,9,7,52,8,3,2.")
    int[] groups;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Head head;

  @Option(
      names = "--data",
      required = true,
      description = ".npz with images (N,3,H,W) float32 and labels (N) or (N,groups) int.")
  Path data;

  @Option(names = "--dataset-size", description = "Size for the HyperRule (default: N of --data).")
  Long datasetSize;

  @Option(names = "--batch", defaultValue = "512", description = "Examples per step.")
  int batch;

  @Option(names = "--batch-split", defaultValue = "1", description = "Micro-batches per step.")
  int batchSplit;

  @Option(names = "--base-lr", description = "Peak learning rate (default 0.003 * batch / 512).")
  Double baseLr;

  @Option(
      names = "--schedule",
      split = ",",
      description = "Step boundaries overriding the HyperRule's (last = number of steps).")
  int[] schedule;

  @Option(
      names = "--num-block-open",
      defaultValue = "0",
      description = "-1 all, 0 head only (the paper's setting), 1..4 the last n blocks.")
  int numBlockOpen;

  @Option(names = "--seed", defaultValue = "0")
  long seed;

  @Option(names = "--checkpoint", defaultValue = "checkpoint.npz", description = "Checkpoint file.")
  Path checkpoint;

  @Option(names = "--checkpoint-every", defaultValue = "100", description = "Steps between saves.")
  int checkpointEvery;

  @Option(names = "--resume", description = "Continue from --checkpoint when it exists.")
  boolean resume;

  @Option(names = "--log-every", defaultValue = "10", description = "Steps between progress lines.")
  int logEvery;

  @Override
  public Integer call() throws Exception {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true"); // never download anything at run time
    }
    TrainingData trainingData = NpzTrainingData.read(data);
    GroupSlices slices = head.groups != null ? GroupSlices.of(head.groups) : null;
    int numClasses = slices != null ? slices.logitCount() : head.classes;
    int expectedLabelWidth = slices != null ? slices.groupCount() : 1;
    if (trainingData.labelWidth() != expectedLabelWidth) {
      throw new ParameterException(
          spec.commandLine(),
          data
              + " has labels of width "
              + trainingData.labelWidth()
              + " but "
              + (slices != null ? slices.groupCount() + " groups need " : "flat softmax needs ")
              + expectedLabelWidth);
    }
    HyperRule rule = rule(trainingData.size());
    ResNetV2 model = model(numClasses);
    int[] image = trainingData.imageShape();
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed((int) seed);
      model.initialize(manager, DataType.FLOAT32, new Shape(1, image[0], image[1], image[2]));
      if (weights != null) {
        BitNpzImporter.load(weights, model, HeadPolicy.ZERO);
      }
      SoftmaxLoss loss = slices != null ? SoftmaxLoss.grouped(slices) : SoftmaxLoss.flat();
      Finetuner.Settings settings =
          new Finetuner.Settings(batch, batchSplit, numBlockOpen, rule, seed);
      try (Finetuner finetuner = new Finetuner(model, loss, trainingData, settings, manager)) {
        if (resume && Files.exists(checkpoint)) {
          Checkpoint.restore(checkpoint, finetuner);
          log("resumed from %s at step %d", checkpoint, finetuner.currentStep());
        }
        train(finetuner, rule);
      }
    }
    return 0;
  }

  private void train(Finetuner finetuner, HyperRule rule) throws java.io.IOException {
    Optional<StepReport> report;
    while ((report = finetuner.step()).isPresent()) {
      StepReport r = report.get();
      int done = r.step() + 1;
      if (done % logEvery == 0 || done == 1) {
        log("step %d/%d lr %s loss %.5f", done, rule.totalSteps(), r.learningRate(), r.loss());
      }
      if (done % checkpointEvery == 0) {
        Checkpoint.save(checkpoint, finetuner);
      }
    }
    Checkpoint.save(checkpoint, finetuner);
    log("finished %d steps, checkpoint %s", finetuner.currentStep(), checkpoint);
  }

  private HyperRule rule(int n) {
    HyperRule rule = HyperRule.forDataset(datasetSize != null ? datasetSize : n, batch);
    if (schedule != null) {
      rule = rule.withSupports(schedule);
    }
    return baseLr != null ? rule.withBaseLearningRate(baseLr) : rule;
  }

  private ResNetV2 model(int numClasses) {
    ResNetV2.Builder builder =
        ResNetV2.builder().setArchitecture(BitArchitecture.parse(architecture));
    if (units != null) {
      builder.setUnits(units);
    }
    return builder.optBaseWidth(baseWidth).setNumClasses(numClasses).build();
  }

  private void log(String format, Object... args) {
    spec.commandLine().getOut().println(String.format(format, args));
    spec.commandLine().getOut().flush();
  }
}
