package org.mos.trainer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mos.common.io.AtomicFiles;

/**
 * {@code metrics.jsonl}: one JSON object per logged step ({@code step}, {@code loss}, {@code lr},
 * and {@code val_loss}, {@code val_top1} when validation ran), flushed line by line so that a
 * killed run keeps what it logged.
 */
public final class MetricsLog implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final BufferedWriter writer;

  private MetricsLog(BufferedWriter writer) {
    this.writer = writer;
  }

  /**
   * Opens the log for appending. When resuming at {@code keepUpTo}, lines of later steps (logged
   * after the last checkpoint by the run that was stopped) are dropped, because the resumed run
   * logs those steps again; a fresh run ({@code keepUpTo} 0) starts an empty log.
   */
  public static MetricsLog open(Path file, int keepUpTo) throws IOException {
    List<String> kept = new ArrayList<>();
    if (keepUpTo > 0 && Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        try {
          JsonNode node = JSON.readTree(line);
          if (node.path("step").asInt(Integer.MAX_VALUE) <= keepUpTo) {
            kept.add(line);
          }
        } catch (IOException e) {
          // a line cut short by the kill: drop it
        }
      }
    }
    // rewritten by write-then-rename: a kill here keeps the old log, never a truncated one
    AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    return new MetricsLog(
        Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
  }

  /** Appends one line. */
  public void write(Map<String, Object> values) throws IOException {
    writer.write(JSON.writeValueAsString(values));
    writer.newLine();
    writer.flush();
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
