package org.mos.evaluator.cli;

import picocli.CommandLine.Command;

/** {@code mos data}: dataset tools (the built-in demo benchmark, inspecting datasets). */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description =
        "Dataset tools: write the built-in demo benchmark, inspect image folders and lists.",
    subcommands = {DataDemoCommand.class, DataInspectCommand.class})
public class DataCommand {}
