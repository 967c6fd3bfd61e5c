package org.mos.trainer.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * README.md's paragraph on the demo's options names every option the demo has. (That the docs name
 * no option the demo lacks is checked for every command by the deploy module's
 * DocumentedOptionsTest.)
 */
class DemoDocsTest {

  /** The repository: the trainer's tests run in trainer/. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  /** A long option, not the tail of a longer word. */
  private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*[a-z]");

  private static Set<String> options(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = OPTION.matcher(text);
    while (m.find()) {
      out.add(m.group());
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
  void theReadmeListsEveryOptionOfTheDemo() throws IOException {
    Set<String> listed = options(readmeOptionParagraph());
    for (OptionSpec o : new CommandLine(new DemoCommand()).getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      assertThat(listed).as("README.md lists %s", o.longestName()).contains(o.longestName());
    }
  }
}
