package org.mos.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The suite's commands as the Markdown pages write them: every {@code mos CMD ...} or {@code ./mos
 * CMD ...} inside an inline code span or a fenced code block, with the options it names, and every
 * inline code span that is an option on its own ({@code `--steps`}), which prose uses when it
 * describes the options of the command the page is about.
 */
final class DocCommands {

  /** One place a page names the suite's options. */
  record Mention(Path file, int line, String command, List<String> options, String text) {
    String where() {
      return Repo.ROOT.relativize(file) + ":" + line;
    }
  }

  private static final Pattern INLINE_CODE = Pattern.compile("`([^`]+)`");
  private static final Pattern INVOCATION =
      Pattern.compile(
          "(?:(?:^|&&|;|\\||\\(|\\btime)\\s*|(?<![\\w/-])\\./)(?<!-n )mos\\s+([a-z][a-z-]*)"
              + "(?:\\s+([a-z][a-z-]*))?");
  private static final Pattern OPTION =
      Pattern.compile("(?<![\\w./=-])(--[a-z0-9][a-z0-9-]*|-[a-zA-Z])(?![\\w.])");
  private static final Pattern LONE_OPTION = Pattern.compile("--[a-z0-9][a-z0-9-]*");

  /** Where the shell ends one command: {@code &&}, {@code ;}, {@code ||}, a pipe, a comment. */
  private static final Pattern COMMAND_END = Pattern.compile("&&|;|\\|\\||\\s\\|\\s|\\s#");

  private DocCommands() {}

  /** The pages checked: README.md, BENCHMARKS.md, every module's README and docs/, bench/ pages. */
  static List<Path> pages() {
    List<Path> pages = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Repo.ROOT, 2)) {
      files
          .filter(p -> p.toString().endsWith(".md"))
          .filter(p -> !Repo.ROOT.relativize(p).toString().startsWith("."))
          .filter(p -> !p.toString().contains("/target/"))
          .sorted()
          .forEach(pages::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the Markdown pages", e);
    }
    return pages;
  }

  /** Every invocation of {@code mos} in the page's code, with the command path as written. */
  static List<Mention> invocations(Path page, Set<String> commands) {
    List<Mention> out = new ArrayList<>();
    forEachCode(
        page,
        (line, code) -> {
          Matcher m = INVOCATION.matcher(code);
          List<int[]> starts = new ArrayList<>();
          List<String> paths = new ArrayList<>();
          while (m.find()) {
            String two = m.group(2) == null ? null : m.group(1) + " " + m.group(2);
            boolean twoWords = two != null && commands.contains(two);
            paths.add(twoWords ? two : m.group(1));
            starts.add(new int[] {m.start(), twoWords ? m.end() : m.end(1)});
          }
          for (int i = 0; i < starts.size(); i++) {
            int from = starts.get(i)[1];
            int to = i + 1 < starts.size() ? starts.get(i + 1)[0] : code.length();
            String args = code.substring(from, to);
            Matcher end = COMMAND_END.matcher(args);
            if (end.find()) {
              args = args.substring(0, end.start());
            }
            List<String> options = new ArrayList<>();
            Matcher o = OPTION.matcher(args);
            while (o.find()) {
              options.add(o.group(1));
            }
            out.add(new Mention(page, line, paths.get(i), options, code.strip()));
          }
        });
    return out;
  }

  /** Inline code spans that hold one option of the suite and nothing else ({@code `--steps`}). */
  static List<Mention> loneOptions(Path page) {
    List<Mention> out = new ArrayList<>();
    forEachInlineCode(
        page,
        (line, code) -> {
          String s = code.strip();
          int space = s.indexOf(' ');
          String first = space < 0 ? s : s.substring(0, space);
          int eq = first.indexOf('=');
          if (eq > 0) {
            first = first.substring(0, eq);
          }
          if (LONE_OPTION.matcher(first).matches() && !INVOCATION.matcher(s).find()) {
            out.add(new Mention(page, line, null, List.of(first), s));
          }
        });
    return out;
  }

  private interface CodeVisitor {
    void visit(int line, String code);
  }

  private static void forEachCode(Path page, CodeVisitor visitor) {
    List<String> lines = read(page);
    boolean fenced = false;
    StringBuilder joined = null;
    int joinedFrom = 0;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.strip().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (fenced) {
        // a shell line continued with a backslash is one command
        if (joined == null) {
          joined = new StringBuilder();
          joinedFrom = i + 1;
        }
        String body = l.stripTrailing();
        if (body.endsWith("\\")) {
          joined.append(body, 0, body.length() - 1).append(' ');
          continue;
        }
        joined.append(body);
        visitor.visit(joinedFrom, joined.toString());
        joined = null;
      } else {
        Matcher m = INLINE_CODE.matcher(l);
        while (m.find()) {
          visitor.visit(i + 1, m.group(1));
        }
      }
    }
  }

  private static void forEachInlineCode(Path page, CodeVisitor visitor) {
    List<String> lines = read(page);
    boolean fenced = false;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.strip().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (!fenced) {
        Matcher m = INLINE_CODE.matcher(l);
        while (m.find()) {
          visitor.visit(i + 1, m.group(1));
        }
      }
    }
  }

  private static List<String> read(Path page) {
    try {
      return Files.readAllLines(page);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + page, e);
    }
  }

  /** For messages: the known command paths. */
  static String known(Map<String, Set<String>> commands) {
    return String.join(", ", commands.keySet());
  }
}
