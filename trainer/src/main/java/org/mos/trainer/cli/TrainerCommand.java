package org.mos.trainer.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import org.mos.trainer.demo.DemoCommand;
import picocli.CommandLine.Command;

/** The trainer module's command line (reached through the {@code ./mos} launcher). */
@TopCommand
@Command(
    name = "mos",
    mixinStandardHelpOptions = true,
    description =
        "MOS trainer: finetune BiT ResNetV2 models (flat or group softmax), serve training jobs,"
            + " export and import model bundles, and run the end-to-end demo.",
    subcommands = {
      TrainCommand.class,
      ServeCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      DemoCommand.class
    })
public class TrainerCommand {}
