package org.mos.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The options of the evaluator's {@code evaluate} command: read from its source (the class
 * annotated {@code @Command(name = "evaluate"}) when the evaluator has it, else the agreed contract
 * {@code --id DIR --ood NAME=DIR --bundle [NAME=]PATH --out DIR} (issue 9), so that the paper's Job
 * is checked against the real command as soon as it exists. The options of the command's picocli
 * mixins (fields annotated {@code @Mixin}, e.g. the transport options it shares with {@code fit})
 * are its options too.
 */
final class EvaluateOptions {

  static final Set<String> CONTRACT = Set.of("--id", "--ood", "--bundle", "--out");

  private EvaluateOptions() {}

  static Set<String> get() {
    List<Path> sources = sources();
    if (sources.isEmpty()) {
      Set<String> contract = new TreeSet<>(CONTRACT);
      contract.addAll(Set.of("--help", "-h"));
      return contract;
    }
    return CommandOptions.of(sources.toArray(Path[]::new));
  }

  private static final Pattern MIXIN = Pattern.compile("@(?:[\\w.]*\\.)?Mixin\\s+(\\w+)\\s");

  private static List<Path> sources() {
    Path main = Repo.ROOT.resolve("evaluator/src/main/java");
    List<Path> all;
    try (Stream<Path> files = Files.walk(main)) {
      all = files.filter(p -> p.toString().endsWith(".java")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Path> commands = all.stream().filter(EvaluateOptions::declaresEvaluate).toList();
    List<Path> sources = new ArrayList<>(commands);
    for (Path command : commands) {
      Matcher m = MIXIN.matcher(read(command));
      while (m.find()) {
        String file = m.group(1) + ".java";
        all.stream().filter(p -> p.getFileName().toString().equals(file)).forEach(sources::add);
      }
    }
    return sources;
  }

  private static String read(Path source) {
    try {
      return Files.readString(source);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean declaresEvaluate(Path source) {
    return read(source).replaceAll("\\s+", "").contains("@Command(name=\"evaluate\"");
  }
}
