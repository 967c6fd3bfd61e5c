package org.mos.evaluator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every boolean option of every evaluator command (sub-subcommands included) does what its name
 * says: a plain flag is off until given; a negatable one is on with {@code --x} and off with {@code
 * --no-x} whatever its default (picocli turns a negatable option whose default is true the wrong
 * way round unless told otherwise; see PITFALLS).
 */
class BooleanOptionsTest {

  /** A boolean option of the command at {@code path} (names from the top, e.g. data demo). */
  private record Flag(List<String> path, String name, boolean negatable) {
    @Override
    public String toString() {
      return String.join(" ", path) + " " + name;
    }
  }

  private static List<Flag> flags() {
    List<Flag> found = new ArrayList<>();
    collect(new CommandLine(new MosCommand()), new ArrayList<>(), found);
    return found;
  }

  private static void collect(CommandLine cli, List<String> path, List<Flag> found) {
    for (OptionSpec o : cli.getCommandSpec().options()) {
      boolean bool = o.type() == boolean.class || o.type() == Boolean.class;
      if (!path.isEmpty() && bool && !o.usageHelp() && !o.versionHelp()) {
        found.add(new Flag(List.copyOf(path), o.longestName(), o.negatable()));
      }
    }
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              List<String> next = new ArrayList<>(path);
              next.add(name);
              collect(sub, next, found);
            });
  }

  /** The option's value after parsing {@code extra} with dummy values for what is required. */
  private static Object valueAfter(Flag flag, String... extra) {
    CommandLine top = new CommandLine(new MosCommand());
    CommandLine cli = top;
    for (String name : flag.path()) {
      cli = cli.getSubcommands().get(name);
    }
    OptionSpec option = cli.getCommandSpec().findOption(flag.name());
    List<String> args = new ArrayList<>(flag.path());
    for (ArgSpec required : cli.getCommandSpec().requiredArgs()) {
      if (required instanceof OptionSpec o && !o.equals(option)) {
        args.add(o.longestName());
        if (o.arity().max() > 0) {
          args.add(dummy(o));
        }
      } else if (required instanceof PositionalParamSpec p) {
        args.add(dummy(p));
      }
    }
    for (ArgGroupSpec group : cli.getCommandSpec().argGroups()) {
      if (group.multiplicity().min() > 0 && group.exclusive()) {
        OptionSpec first = group.options().iterator().next(); // one of a required choice
        args.add(first.longestName());
        args.add(dummy(first));
      }
    }
    args.addAll(List.of(extra));
    top.parseArgs(args.toArray(String[]::new));
    return option.getValue();
  }

  private static String dummy(ArgSpec arg) {
    Class<?> type = arg.type();
    if (type.isEnum()) {
      return type.getEnumConstants()[0].toString();
    }
    return "1";
  }

  @Test
  void everyBooleanOptionDoesWhatItsSpellingSays() {
    List<Flag> flags = flags();
    assertThat(flags)
        .extracting(Flag::toString)
        .contains("evaluate --fresh", "fit --replace", "data demo --force");
    for (Flag f : flags) {
      if (f.negatable()) {
        String negated = "--no-" + f.name().substring(2);
        assertThat(valueAfter(f, f.name())).as(f.toString()).isEqualTo(true);
        assertThat(valueAfter(f, negated))
            .as(String.join(" ", f.path()) + " " + negated)
            .isEqualTo(false);
      } else {
        assertThat(valueAfter(f)).as("without " + f).isEqualTo(false);
        assertThat(valueAfter(f, f.name())).as(f.toString()).isEqualTo(true);
      }
    }
  }
}
