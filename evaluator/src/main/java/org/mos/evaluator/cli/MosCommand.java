package org.mos.evaluator.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The root of the suite's command line; `./mos --help` prints this. */
@TopCommand
@Command(
    name = "mos",
    mixinStandardHelpOptions = true,
    version = "mos 0.1.0",
    description = "MOS out-of-distribution suite: scores, metrics, data and evaluation.",
    subcommands = {
      MetricsCommand.class,
      ScoreCommand.class,
      DataCommand.class,
      InferCommand.class,
      EvaluateCommand.class,
      org.mos.evaluator.fit.FitCommand.class
    })
public class MosCommand {}
