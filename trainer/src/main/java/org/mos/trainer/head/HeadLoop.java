package org.mos.trainer.head;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.train.Finetuner;
import org.mos.trainer.train.HyperRule;
import org.mos.trainer.train.MetricsLog;
import org.mos.trainer.train.TrainSpec;
import org.mos.trainer.train.TrainingRun;
import org.mos.trainer.train.Validator;

/**
 * The step loop of a head training run, as {@code train}'s: progress and metrics lines every {@code
 * logEvery} steps (examples per second, ETA), validation every {@code valEvery} steps and at the
 * end, checkpoints every {@code checkpointEvery} steps, at the end and when cancelled.
 */
final class HeadLoop {

  private final TrainSpec spec;
  private final TrainingRun.Listener listener;
  private final BooleanSupplier cancelled;
  private Validator.Result lastValidation;

  HeadLoop(TrainSpec spec, TrainingRun.Listener listener, BooleanSupplier cancelled) {
    this.spec = spec;
    this.listener = listener;
    this.cancelled = cancelled;
  }

  /** The last validation result, or null when none ran. */
  Validator.Result lastValidation() {
    return lastValidation;
  }

  TrainingRun.Outcome run(
      HeadTrainer trainer,
      GroupLayout layout,
      HeadTrainer.LabelledFeatures val,
      HyperRule rule,
      MetricsLog metrics,
      Map<String, Object> effective,
      Path checkpoint)
      throws IOException {
    int total = rule.totalSteps();
    int first = trainer.currentStep();
    long start = System.nanoTime();
    boolean stopped = false;
    while (!trainer.finished()) {
      if (cancelled.getAsBoolean()) {
        stopped = true;
        break;
      }
      long stepStart = System.nanoTime();
      Finetuner.StepReport r = trainer.step();
      listener.onStepFinished(System.nanoTime() - stepStart);
      int done = r.step() + 1;
      boolean validate =
          val != null && ((spec.valEvery > 0 && done % spec.valEvery == 0) || done == total);
      if (validate || done % spec.logEvery == 0 || done == first + 1 || done == total) {
        double perStep = (System.nanoTime() - start) / 1e9 / (done - first);
        Validator.Result v = validate ? trainer.validate(val, layout) : null;
        if (v != null) {
          lastValidation = v;
        }
        TrainingRun.StepMetrics m =
            new TrainingRun.StepMetrics(
                done,
                total,
                r.loss(),
                r.learningRate(),
                spec.batch / perStep,
                HeadTrainingRun.eta(perStep, total - done),
                v == null ? null : v.loss(),
                v == null ? null : v.top1());
        Map<String, Object> line = TrainingRun.metricsLine(m);
        if (done == first + 1) {
          line.put("run", effective);
        }
        metrics.write(line);
        listener.onStep(m);
        listener.onMessage(TrainingRun.progressLine(m));
      }
      if (done % spec.checkpointEvery == 0 && done < total) {
        save(trainer, checkpoint);
      }
    }
    save(trainer, checkpoint);
    listener.onMessage(
        (stopped ? "stopped at step " : "finished ")
            + trainer.currentStep()
            + (stopped ? "" : " steps")
            + ", checkpoint "
            + checkpoint);
    return new TrainingRun.Outcome(trainer.currentStep(), total, stopped, checkpoint, 0);
  }

  private void save(HeadTrainer trainer, Path checkpoint) throws IOException {
    HeadCheckpoint.save(checkpoint, trainer);
    listener.onCheckpoint(trainer.currentStep(), checkpoint);
  }
}
