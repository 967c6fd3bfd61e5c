package org.mos.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.data.TinyImages;
import org.mos.trainer.train.TrainSpec;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every boolean option of every trainer command does what its name and its help say, in both
 * spellings where it is negatable (picocli turns a negatable option whose default is true the wrong
 * way round unless told otherwise; see PITFALLS).
 */
class BooleanOptionsTest {

  /** Parses {@code extra} after dummy values for the command's required arguments. */
  private static Object valueAfter(String command, String optionName, String... extra) {
    CommandLine top = new CommandLine(new TrainerCommand());
    CommandLine sub = top.getSubcommands().get(command);
    List<String> args = new ArrayList<>(List.of(command));
    for (ArgSpec required : sub.getCommandSpec().requiredArgs()) {
      if (required instanceof OptionSpec o && !o.equals(option(sub, optionName))) {
        args.add(o.longestName());
        if (o.arity().max() > 0) {
          args.add("1");
        }
      } else if (required instanceof PositionalParamSpec) {
        args.add("1");
      }
    }
    for (ArgGroupSpec group : sub.getCommandSpec().argGroups()) {
      if (group.multiplicity().min() > 0 && group.exclusive()) {
        OptionSpec first = group.options().iterator().next(); // one of a required choice
        args.add(first.longestName());
        args.add("1");
      }
    }
    args.addAll(List.of(extra));
    top.parseArgs(args.toArray(String[]::new));
    return option(sub, optionName).getValue();
  }

  private static OptionSpec option(CommandLine cli, String name) {
    return cli.getCommandSpec().findOption(name);
  }

  private static List<String[]> booleanOptions(boolean negatable) {
    List<String[]> found = new ArrayList<>();
    CommandLine top = new CommandLine(new TrainerCommand());
    top.getSubcommands()
        .forEach(
            (name, sub) -> {
              for (OptionSpec o : sub.getCommandSpec().options()) {
                boolean bool = o.type() == boolean.class || o.type() == Boolean.class;
                if (bool && !o.usageHelp() && !o.versionHelp() && o.negatable() == negatable) {
                  found.add(new String[] {name, o.longestName()});
                }
              }
            });
    return found;
  }

  private static String negated(String name) {
    return "--no-" + name.substring(2);
  }

  @Test
  void flipIsOnByDefaultOnWithFlipAndOffWithNoFlip() {
    assertThat(valueAfter("train", "--flip")).isEqualTo(true);
    assertThat(valueAfter("train", "--flip", "--flip")).isEqualTo(true);
    assertThat(valueAfter("train", "--flip", "--no-flip")).isEqualTo(false);
    assertThat(new TrainSpec().flip).as("the JSON job body's default").isTrue();
  }

  @Test
  void everyNegatableOptionTakesBothSpellingsTheWayTheyRead() {
    List<String[]> negatable = booleanOptions(true);
    assertThat(negatable).extracting(o -> o[0] + " " + o[1]).contains("train --flip");
    for (String[] o : negatable) {
      String command = o[0];
      String name = o[1];
      assertThat(valueAfter(command, name, name)).as(command + " " + name).isEqualTo(true);
      assertThat(valueAfter(command, name, negated(name)))
          .as(command + " " + negated(name))
          .isEqualTo(false);
    }
  }

  @Test
  void everyPlainBooleanOptionIsOffUntilGiven() {
    List<String[]> plain = booleanOptions(false);
    assertThat(plain)
        .extracting(o -> o[0] + " " + o[1])
        .contains("train --resume", "export --zip", "export --no-gradient-graphs");
    for (String[] o : plain) {
      assertThat(valueAfter(o[0], o[1])).as(o[0] + " without " + o[1]).isEqualTo(false);
      assertThat(valueAfter(o[0], o[1], o[1])).as(o[0] + " " + o[1]).isEqualTo(true);
    }
  }

  @Test
  void aTrainingRunRecordsTheFlipAskedForInBothSpellings(@TempDir Path dir) throws IOException {
    Path images = dir.resolve("images");
    TinyImages.folder(images, 1);
    for (String flag : new String[] {"--flip", "--no-flip", null}) {
      Path out = dir.resolve(flag == null ? "default" : flag);
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--train",
                  images.toString(),
                  "--arch",
                  "R50x1",
                  "--units",
                  "1,1,1,1",
                  "--base-width",
                  "32",
                  "--resize",
                  "18",
                  "--crop",
                  "16",
                  "--batch",
                  "4",
                  "--groups",
                  "2,2",
                  "--steps",
                  "2",
                  "--threads",
                  "1",
                  "--out",
                  out.toString()));
      if (flag != null) {
        args.add(flag);
      }
      CommandLine cli = new CommandLine(new TrainCommand());
      cli.setOut(new PrintWriter(new StringWriter()));
      assertThat(cli.execute(args.toArray(String[]::new))).isZero();
      boolean on = !"--no-flip".equals(flag);
      JsonNode spec = new ObjectMapper().readTree(out.resolve("spec.json").toFile());
      assertThat(spec.get("flip").asBoolean()).as(flag).isEqualTo(on);
      assertThat(spec.get("effective").get("flip").asBoolean()).as(flag).isEqualTo(on);
      assertThat(spec.get("effective").get("random_crop").asBoolean()).isTrue();
      String first = Files.readAllLines(out.resolve("metrics.jsonl")).get(0);
      assertThat(new ObjectMapper().readTree(first).get("run").get("flip").asBoolean())
          .as(flag)
          .isEqualTo(on);
    }
  }

  @Test
  void helpShowsBothSpellingsAndTheDefault() {
    Supplier<String> usage =
        () -> new CommandLine(new TrainerCommand()).getSubcommands().get("train").getUsageMessage();
    assertThat(usage.get().replaceAll("\\s+", " "))
        .contains("--[no-]flip Random horizontal flip: --flip (default) or --no-flip.");
  }
}
