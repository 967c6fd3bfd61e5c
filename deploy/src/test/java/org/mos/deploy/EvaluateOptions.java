package org.mos.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The options of the evaluator's {@code evaluate} command: read from its source (the class
 * annotated {@code @Command(name = "evaluate"}) when the evaluator has it, else the agreed contract
 * {@code --id DIR --ood NAME=DIR --bundle [NAME=]PATH --out DIR} (issue 9), so that the paper's Job
 * is checked against the real command as soon as it exists.
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

  private static List<Path> sources() {
    Path main = Repo.ROOT.resolve("evaluator/src/main/java");
    try (Stream<Path> files = Files.walk(main)) {
      return files
          .filter(p -> p.toString().endsWith(".java"))
          .filter(EvaluateOptions::declaresEvaluate)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean declaresEvaluate(Path source) {
    try {
      return Files.readString(source).replaceAll("\\s+", "").contains("@Command(name=\"evaluate\"");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
