package org.mos.trainer.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import org.mos.trainer.demo.DemoCommand;
import picocli.CommandLine.Command;

/** The trainer's command line: {@code trainer train|serve|demo ...}. */
@TopCommand
@Command(
    name = "trainer",
    mixinStandardHelpOptions = true,
    description = "Finetune BiT ResNetV2 models with flat or group (MOS) softmax.",
    subcommands = {TrainCommand.class, ServeCommand.class, DemoCommand.class})
public class TrainerCommand {}
