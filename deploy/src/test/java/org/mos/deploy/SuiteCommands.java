package org.mos.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mos.evaluator.cli.MosCommand;
import org.mos.trainer.cli.TrainerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command the {@code ./mos} launcher reaches, by its path after {@code mos} ("fit", "data
 * demo", "serve trainer", ...), with the option names it accepts: read from the commands' own
 * picocli models (so mixins, argument groups and negatable forms count as picocli parses them), and
 * for {@code serve scorer}, which the launcher itself parses, from the launcher's script.
 */
final class SuiteCommands {

  /** The launcher's own option parsing of {@code serve scorer}: its case labels. */
  private static final Pattern SERVE_SCORER =
      Pattern.compile("serve_scorer\\(\\) \\{(.*?)\\n}", Pattern.DOTALL);

  private static final Pattern CASE_LABEL =
      Pattern.compile("^\\s*([-|a-z]+)\\)", Pattern.MULTILINE);

  private SuiteCommands() {}

  /** Command path -> the option names it accepts. */
  static Map<String, Set<String>> all() {
    Map<String, Set<String>> out = new TreeMap<>();
    // the evaluator's commands first: the launcher sends every command it does not know to it
    collect(new CommandLine(new MosCommand()).getCommandSpec(), "", out);
    Map<String, Set<String>> trainer = new TreeMap<>();
    collect(new CommandLine(new TrainerCommand()).getCommandSpec(), "", trainer);
    trainer.forEach(
        (path, options) -> {
          // the launcher: `mos serve trainer ...` runs the trainer's `serve` command
          out.put(path.equals("serve") ? "serve trainer" : path, options);
        });
    out.put("serve scorer", launcherServeScorerOptions());
    return out;
  }

  private static void collect(CommandSpec spec, String prefix, Map<String, Set<String>> out) {
    for (Map.Entry<String, CommandLine> sub : spec.subcommands().entrySet()) {
      CommandSpec s = sub.getValue().getCommandSpec();
      if (!s.name().equals(sub.getKey())) {
        continue; // an alias
      }
      String path = prefix.isEmpty() ? s.name() : prefix + " " + s.name();
      out.put(path, optionNames(s));
      collect(s, path, out);
    }
  }

  /** Every spelling picocli accepts for the command's options, negated forms included. */
  static Set<String> optionNames(CommandSpec spec) {
    Set<String> names = new TreeSet<>();
    CommandLine.INegatableOptionTransformer negation =
        spec.commandLine() == null
            ? CommandLine.RegexTransformer.createDefault()
            : spec.commandLine().getNegatableOptionTransformer();
    for (OptionSpec o : spec.options()) {
      for (String name : o.names()) {
        names.add(name);
        if (o.negatable()) {
          names.add(negation.makeNegative(name, spec));
        }
      }
    }
    return names;
  }

  private static Set<String> launcherServeScorerOptions() {
    String script;
    try {
      script = Files.readString(Repo.ROOT.resolve("mos"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the launcher ./mos", e);
    }
    Matcher body = SERVE_SCORER.matcher(script);
    if (!body.find()) {
      throw new IllegalStateException("the launcher ./mos has no serve_scorer() function");
    }
    Set<String> names = new TreeSet<>();
    Matcher label = CASE_LABEL.matcher(body.group(1));
    while (label.find()) {
      for (String alt : label.group(1).split("\\|")) {
        if (alt.startsWith("-")) {
          names.add(alt);
        }
      }
    }
    return names;
  }
}
