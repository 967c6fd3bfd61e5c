package org.mos.trainer.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The options the documentation names for {@code ./mos demo} are the command's. */
class DemoDocsTest {

  /** The repository: the trainer's tests run in trainer/. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  /** An inline code span holding a demo command line (it may wrap). */
  private static final Pattern SPAN = Pattern.compile("`\\./mos demo([^`]*)`");

  /** A long option, not the tail of a longer word. */
  private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*[a-z]");

  private static Set<String> demoOptions() {
    Set<String> names = new TreeSet<>();
    for (OptionSpec o : new CommandLine(new DemoCommand()).getCommandSpec().options()) {
      names.addAll(Arrays.asList(o.names()));
    }
    return names;
  }

  private static List<Path> markdownFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path folder : List.of(ROOT, ROOT.resolve("docs"), ROOT.resolve("bench"))) {
      try (Stream<Path> s = Files.list(folder)) {
        s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
      }
    }
    try (Stream<Path> s = Files.list(ROOT)) {
      s.map(p -> p.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(files::add);
    }
    return files;
  }

  private static Set<String> options(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = OPTION.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  /** Options in {@code ./mos demo ...} code spans and in code lines that start with it. */
  private static Set<String> optionsInDemoCommandLines(String markdown) {
    Set<String> out = new TreeSet<>();
    Matcher span = SPAN.matcher(markdown);
    while (span.find()) {
      out.addAll(options(span.group(1)));
    }
    for (String line : markdown.split("\n")) {
      String code = line.strip();
      if (code.startsWith("./mos demo")) {
        int comment = code.indexOf('#');
        out.addAll(options(comment < 0 ? code : code.substring(0, comment)));
      }
    }
    return out;
  }

  /** The README's paragraph that lists the demo's options. */
  private static String readmeOptionParagraph() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int start = readme.indexOf("Options are the trainer's (`./mos demo --help`)");
    assertThat(start).as("README.md's paragraph of the demo's options").isNotNegative();
    int end = readme.indexOf("\n\n", start);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  @Test
  void everyOptionTheDocsGiveTheDemoIsTheDemosOwn() throws IOException {
    Set<String> named = new TreeSet<>(options(readmeOptionParagraph()));
    for (Path file : markdownFiles()) {
      named.addAll(optionsInDemoCommandLines(Files.readString(file)));
    }
    // the pages that run the demo with options: the README and docs/perturbation.md at least
    assertThat(named).contains("--out", "--source", "--mahalanobis-tune", "--steps");
    assertThat(demoOptions()).containsAll(named);
  }

  @Test
  void theReadmeListsEveryOptionOfTheDemo() throws IOException {
    Set<String> listed = options(readmeOptionParagraph());
    for (OptionSpec o : new CommandLine(new DemoCommand()).getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      assertThat(listed).as("README.md lists %s", o.longestName()).contains(o.longestName());
    }
  }

  @Test
  void optionsAreReadFromDemoCommandLinesOnly() {
    String markdown =
        "Run `./mos demo --steps 40\n--out /tmp/x` or `./mos fit --replace`.\n"
            + "```\n./mos demo --seed 2   # not --this\n./mos evaluate --id d\n```\n";
    assertThat(optionsInDemoCommandLines(markdown)).containsExactly("--out", "--seed", "--steps");
  }
}
