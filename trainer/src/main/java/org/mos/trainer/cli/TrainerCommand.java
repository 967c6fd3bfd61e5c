package org.mos.trainer.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The trainer's command line: {@code export} and {@code import} of model bundles. */
@TopCommand
@Command(
    name = "mos",
    mixinStandardHelpOptions = true,
    description = "MOS trainer: model bundles from trainer checkpoints and released weights",
    subcommands = {ExportCommand.class, ImportCommand.class})
public class TrainerCommand {}
