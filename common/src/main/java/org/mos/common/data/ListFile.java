package org.mos.common.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A list file in the format of the MOS paper's released lists: one image per line, its path
 * relative to a root, then its label. Flat lists hold {@code path label}, group lists {@code path
 * group index_in_group}. A path may contain spaces: the labels are the last one (flat) or two
 * (group) whitespace-separated tokens, and the rest of the line, trimmed, is the path. Blank lines
 * are skipped.
 *
 * <p>{@link Format#AUTO} decides from the first non-blank line: group when its last two tokens are
 * both integers and a path remains before them, flat otherwise. A flat list whose first path ends
 * in a token made only of digits (for example {@code scan 12 3}) reads as a group list; name the
 * format for such files.
 *
 * @param file the list file
 * @param format the format the file was read as ({@link Format#FLAT} or {@link Format#GROUP})
 * @param samples the samples in file order, paths resolved against the root
 */
public record ListFile(Path file, Format format, List<Sample> samples) {

  /** The layout of a list file. */
  public enum Format {
    /** {@code path label}. */
    FLAT,
    /** {@code path group index_in_group}. */
    GROUP,
    /** Decide from the first non-blank line. */
    AUTO
  }

  public ListFile {
    if (format == Format.AUTO) {
      throw new IllegalArgumentException("a read list file has a definite format, not AUTO");
    }
    samples = List.copyOf(samples);
  }

  /**
   * Reads a list file.
   *
   * @param file the list file
   * @param root the folder the paths in the file are relative to
   * @param format the expected format, or {@link Format#AUTO}
   * @throws DatasetException when the file is missing or empty, or a line does not match the format
   *     (the message names the file, the line number and the line)
   */
  public static ListFile read(Path file, Path root, Format format) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException("list file " + file + " does not exist or is not a file");
    }
    List<String> lines;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      lines = reader.lines().toList();
    } catch (IOException | UncheckedIOException e) {
      throw new DatasetException("cannot read list file " + file + " as UTF-8 text: " + e, e);
    }
    Format resolved = format;
    List<Sample> samples = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      if (resolved == Format.AUTO) {
        resolved = detect(line);
      }
      samples.add(parse(line, resolved, root, file, i + 1, lines.get(i)));
    }
    if (samples.isEmpty()) {
      throw new DatasetException("list file " + file + " has no entries");
    }
    return new ListFile(file, resolved, samples);
  }

  /** The format a line is in: group when it ends in two integers after a path, flat otherwise. */
  static Format detect(String line) {
    String[] split = splitLast(line, 2);
    return split != null && isInt(split[1]) && isInt(split[2]) ? Format.GROUP : Format.FLAT;
  }

  /** A flat line: the path (with {@code /} separators) and the label. */
  public static String flatLine(String relativePath, int label) {
    return relativePath + " " + label;
  }

  /** A group line: the path (with {@code /} separators), the group and the index in the group. */
  public static String groupLine(String relativePath, int group, int indexInGroup) {
    return relativePath + " " + group + " " + indexInGroup;
  }

  private static Sample parse(
      String line, Format format, Path root, Path file, int lineNumber, String raw) {
    int labels = format == Format.GROUP ? 2 : 1;
    String[] split = splitLast(line, labels);
    boolean ok = split != null;
    for (int k = 1; ok && k <= labels; k++) {
      ok = isInt(split[k]);
    }
    if (!ok) {
      String expected = format == Format.GROUP ? "'path group index_in_group'" : "'path label'";
      throw new DatasetException(
          file
              + ":"
              + lineNumber
              + ": expected "
              + expected
              + " with non-negative integer labels ("
              + format.name().toLowerCase()
              + " list) but got: "
              + raw);
    }
    Path path = root.resolve(split[0]);
    return format == Format.GROUP
        ? Sample.grouped(path, Integer.parseInt(split[1]), Integer.parseInt(split[2]))
        : Sample.labelled(path, Integer.parseInt(split[1]));
  }

  /**
   * Splits a stripped line into the leading path and its last {@code n} whitespace-separated
   * tokens; null when there are not enough tokens.
   */
  private static String[] splitLast(String line, int n) {
    String[] out = new String[n + 1];
    int end = line.length();
    for (int k = n; k >= 1; k--) {
      int start = end;
      while (start > 0 && !Character.isWhitespace(line.charAt(start - 1))) {
        start--;
      }
      if (start == 0) {
        return null; // no path left before this token
      }
      out[k] = line.substring(start, end);
      end = start;
      while (end > 0 && Character.isWhitespace(line.charAt(end - 1))) {
        end--;
      }
      if (end == 0) {
        return null;
      }
    }
    out[0] = line.substring(0, end);
    return out;
  }

  private static boolean isInt(String token) {
    if (token.isEmpty() || token.length() > 9) {
      return false; // 9 digits always fit an int; longer labels are nonsense here
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
