package org.mos.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The option names a picocli command declares, read from its source files (and its mixins'). */
final class CommandOptions {

  private static final Pattern NAMES =
      Pattern.compile("names\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")", Pattern.DOTALL);
  private static final Pattern QUOTED = Pattern.compile("\"(-[^\"]+)\"");

  private CommandOptions() {}

  static Set<String> of(Path... sources) {
    Set<String> options = new TreeSet<>(Set.of("--help", "-h", "--version", "-V"));
    for (Path source : sources) {
      String text;
      try {
        text = Files.readString(source);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + source, e);
      }
      Matcher m = NAMES.matcher(text);
      while (m.find()) {
        Matcher q = QUOTED.matcher(m.group(1));
        while (q.find()) {
          options.add(q.group(1));
        }
      }
    }
    return options;
  }
}
