package org.mos.evaluator.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The resumable score store of one bundle: an append-only text file {@code DIR/<bundle
 * checksum>.scores} with one line per scored image, written and flushed as each result arrives, so
 * a run that is killed keeps everything scored up to the kill and a rerun scores only the missing
 * images.
 *
 * <p>A kill can leave the last line half-written: a line without its newline is dropped (and cut
 * off the file) when the store is opened. Any other unreadable line is an error naming the file and
 * line. The process writes each line with one system call, so a killed process loses at most that
 * line; lines are not forced to the disk, so an operating-system crash may lose the last seconds.
 *
 * <p>Format: a header {@code #mos-scores 1 <checksum>}, then per image {@code
 * path<TAB>size<TAB>modified<TAB>predicted<TAB>shared_seconds<TAB>scores}, where scores is {@code
 * method=score:seconds} comma-separated, or {@code !reason} for an image that could not be scored.
 * Scores are written with {@link Double#toString}, which reads back to the same double. Not
 * thread-safe: one writer.
 */
public final class ScoreStore implements AutoCloseable {

  private static final String MAGIC = "#mos-scores 1 ";
  private static final Pattern TAB = Pattern.compile("\t");

  private final Path file;
  private final Map<String, StoredScore> byImage;
  private final FileChannel channel;
  private int appended;

  private ScoreStore(Path file, Map<String, StoredScore> byImage, FileChannel channel) {
    this.file = file;
    this.byImage = byImage;
    this.channel = channel;
  }

  /**
   * Opens (or creates) the store of the bundle with checksum {@code checksum} under {@code dir}.
   *
   * @param fresh start empty, discarding what is stored
   * @throws IOException when the file cannot be read or written, or holds a line that is not a
   *     record (other than a torn last line)
   */
  public static ScoreStore open(Path dir, String checksum, boolean fresh) throws IOException {
    if (!checksum.matches("[0-9a-fA-F]{8,128}")) {
      throw new IllegalArgumentException(
          "bundle checksum '" + checksum + "' is not a hex digest; cannot name a score store");
    }
    Files.createDirectories(dir);
    Path file = dir.resolve(checksum + ".scores");
    if (fresh) {
      Files.deleteIfExists(file);
    }
    Map<String, StoredScore> byImage = new HashMap<>();
    long keep = 0;
    if (Files.exists(file)) {
      keep = read(file, checksum, byImage);
    }
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    try {
      channel.truncate(keep); // drops a torn last line
      channel.position(keep);
      ScoreStore store = new ScoreStore(file, byImage, channel);
      if (keep == 0) {
        store.writeLine(MAGIC + checksum);
      }
      return store;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Reads the records; returns the length of the file up to the end of its last whole line. */
  private static long read(Path file, String checksum, Map<String, StoredScore> into)
      throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--; // a torn last line: the run was killed while writing it
    }
    String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
    List<String> lines = text.lines().toList();
    if (lines.isEmpty()) {
      return 0;
    }
    if (!lines.get(0).equals(MAGIC + checksum)) {
      throw new IOException(
          file
              + ": expected the header '"
              + MAGIC
              + checksum
              + "' but found '"
              + lines.get(0)
              + "' (not a score store of this bundle; delete it or run with --fresh)");
    }
    for (int i = 1; i < lines.size(); i++) {
      StoredScore s;
      try {
        s = parse(lines.get(i));
      } catch (RuntimeException e) {
        throw new IOException(
            file
                + ":"
                + (i + 1)
                + ": not a score record ("
                + e.getMessage()
                + "); delete the file or run with --fresh",
            e);
      }
      into.merge(s.image(), s, StoredScore::mergedWith);
    }
    return end;
  }

  /** The stored result of an image, or null when it was never scored or its file changed since. */
  public StoredScore lookup(String image, long size, long modified) {
    StoredScore s = byImage.get(image);
    return s != null && s.matches(size, modified) ? s : null;
  }

  /** How many images the store knows. */
  public int size() {
    return byImage.size();
  }

  /** How many records this store appended since it was opened. */
  public int appended() {
    return appended;
  }

  /** The store's file. */
  public Path file() {
    return file;
  }

  /** Appends one record and hands it to the operating system at once. */
  public void append(StoredScore s) throws IOException {
    writeLine(format(s));
    byImage.merge(s.image(), s, StoredScore::mergedWith);
    appended++;
  }

  private void writeLine(String line) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
  }

  static String format(StoredScore s) {
    StringBuilder b = new StringBuilder(128);
    b.append(escape(s.image())).append('\t').append(s.size()).append('\t').append(s.modified());
    b.append('\t').append(s.predictedClass()).append('\t').append(s.sharedSeconds()).append('\t');
    if (s.failed()) {
      b.append('!').append(escape(s.error()));
    } else {
      boolean first = true;
      for (Map.Entry<String, Double> e : s.scores().entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        double seconds = s.methodSeconds().getOrDefault(e.getKey(), 0.0);
        b.append(e.getKey()).append('=').append(e.getValue()).append(':').append(seconds);
      }
    }
    return b.toString();
  }

  static StoredScore parse(String line) {
    String[] f = TAB.split(line, -1);
    if (f.length != 6) {
      throw new IllegalArgumentException("expected 6 tab-separated fields, found " + f.length);
    }
    String image = unescape(f[0]);
    long size = Long.parseLong(f[1]);
    long modified = Long.parseLong(f[2]);
    int predicted = Integer.parseInt(f[3]);
    double shared = Double.parseDouble(f[4]);
    Map<String, Double> scores = new LinkedHashMap<>();
    Map<String, Double> seconds = new LinkedHashMap<>();
    if (f[5].startsWith("!")) {
      return new StoredScore(
          image, size, modified, predicted, shared, scores, seconds, unescape(f[5].substring(1)));
    }
    if (!f[5].isEmpty()) {
      for (String item : f[5].split(",")) {
        int eq = item.indexOf('=');
        int colon = item.lastIndexOf(':');
        if (eq < 1 || colon < eq) {
          throw new IllegalArgumentException("expected method=score:seconds, found '" + item + "'");
        }
        String method = item.substring(0, eq);
        scores.put(method, Double.parseDouble(item.substring(eq + 1, colon)));
        seconds.put(method, Double.parseDouble(item.substring(colon + 1)));
      }
    }
    return new StoredScore(image, size, modified, predicted, shared, scores, seconds, null);
  }

  /** Paths and reasons may hold tabs, newlines or backslashes; the format must not. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        b.append(
            switch (n) {
              case 't' -> '\t';
              case 'n' -> '\n';
              case 'r' -> '\r';
              default -> n;
            });
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
