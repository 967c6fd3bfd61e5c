package org.mos.trainer.cli;

import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import org.mos.common.data.DatasetException;
import org.mos.trainer.train.TrainSpec;
import org.mos.trainer.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code train}: BiT-HyperRule finetuning on image folders or list files, with checkpoints, metrics
 * and resume. Bad input ends with one line on stderr and exit code 2.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Finetune a BiT ResNetV2 with group (MOS) or flat softmax on image folders or list files.")
public class TrainCommand implements Callable<Integer> {

  /** Exit code for bad input (as picocli's for bad options). */
  static final int BAD_INPUT = 2;

  /** Exit code when training failed while running (an unreadable image under policy fail). */
  static final int FAILED = 1;

  @Spec CommandSpec spec;

  @Mixin TrainSpec train = new TrainSpec();

  @Override
  public Integer call() {
    TrainingRun run;
    try {
      run = new TrainingRun(train, new Printer(), () -> false);
      run.run();
      return 0;
    } catch (IllegalArgumentException | DatasetException e) {
      return fail(BAD_INPUT, e.getMessage());
    } catch (UncheckedIOException e) {
      return fail(FAILED, e.getCause().getMessage());
    } catch (java.io.IOException e) {
      return fail(FAILED, e.getMessage());
    }
  }

  private int fail(int code, String message) {
    spec.commandLine().getErr().println("trainer train: " + message);
    spec.commandLine().getErr().flush();
    return code;
  }

  private final class Printer implements TrainingRun.Listener {
    @Override
    public void onMessage(String line) {
      spec.commandLine().getOut().println(line);
      spec.commandLine().getOut().flush();
    }
  }
}
