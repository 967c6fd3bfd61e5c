package org.mos.common.cache;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.mos.common.io.AtomicFiles;

/**
 * The one chunked, resumable cache of extracted model outputs, used by {@code mos train --backbone}
 * ({@code --feature-cache}) and {@code mos fit} ({@code --cache}).
 *
 * <p>An extraction's folder is {@code ROOT/NAME-KEY}: NAME names the image set or pass ({@code
 * train}, {@code kl-fit-set}), KEY is the first 16 hex digits of its {@link ExtractionKey}. The
 * folder's {@value #KEY_FILE} records the key's fields; it is written when the folder is created
 * and checked before the folder is read or extended. A folder whose key file records another key (a
 * prefix collision, a copied cache), or that holds files but no key file, is refused with a message
 * naming the caller's option, never overwritten or read. Other folders of the same NAME (older
 * extractions) are removed when {@link Owner#pruneStale}, with a line naming the first field that
 * differs, and kept otherwise (a root shared by several runs). Chunks are laid out as {@link
 * ChunkFiles} says: a chunk is complete when its rows file exists, so an interrupted extraction
 * resumes at its first incomplete chunk.
 */
public final class ChunkCache {

  /** The file in a cache folder that records what the folder holds. */
  public static final String KEY_FILE = "key.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Who uses a cache, for its messages.
   *
   * @param subject the start of every line and message ({@code features of train}, {@code kl fit
   *     set})
   * @param option the user's option that picks the cache root ({@code --feature-cache}, {@code
   *     --cache}), named when a folder is refused
   * @param pruneStale whether other extractions of the same NAME under the root are removed: only
   *     when the root belongs to one run
   */
  public record Owner(String subject, String option, boolean pruneStale) {}

  private final Path dir;
  private final ExtractionKey key;

  private ChunkCache(Path dir, ExtractionKey key) {
    this.dir = dir;
    this.key = key;
  }

  /** The folder of the extraction {@code key} named {@code name} under {@code root}. */
  public static Path folder(Path root, String name, ExtractionKey key) {
    return root.resolve(name + "-" + key.digest().substring(0, 16));
  }

  /**
   * Opens the folder of the extraction {@code key} under {@code root}, creating it with its key
   * file when missing; handles the other folders of the same name as {@code owner} says.
   *
   * @param name the set's or pass's name, a file name
   * @param log lines about removed or kept folders, each starting with the owner's subject
   * @throws IllegalArgumentException when the folder holds another extraction, or files but no key
   *     file; the message names {@link Owner#option}
   */
  public static ChunkCache open(
      Path root, String name, ExtractionKey key, Owner owner, Consumer<String> log)
      throws IOException {
    Path dir = folder(root, name, key);
    if (Files.isDirectory(root)) {
      List<Path> others = new ArrayList<>();
      try (Stream<Path> old = Files.list(root)) {
        for (Path p : old.sorted().toList()) {
          String f = p.getFileName().toString();
          if (!p.equals(dir) && f.matches(Pattern.quote(name) + "-[0-9a-f]{16}")) {
            others.add(p);
          }
        }
      }
      for (Path p : others) {
        if (owner.pruneStale()) {
          log.accept(
              owner.subject()
                  + ": the cache "
                  + p
                  + " "
                  + difference(p, key.fields())
                  + ": not reused, removing it");
          AtomicFiles.deleteTree(p);
        } else {
          log.accept(owner.subject() + ": keeping " + p + " (another run's cache, maybe)");
        }
      }
    }
    claim(dir, key, owner);
    ChunkCache cache = new ChunkCache(dir, key);
    cache.dropStaleChunks(owner, log);
    return cache;
  }

  /** Creates {@code dir} with its key file, or checks that an existing one holds {@code key}. */
  private static void claim(Path dir, ExtractionKey key, Owner owner) throws IOException {
    Path keyFile = dir.resolve(KEY_FILE);
    if (Files.exists(keyFile)) {
      Map<String, Object> saved = readKey(keyFile);
      if (key.digest().equals(saved.get("key"))) {
        return;
      }
      List<String> differ = new ArrayList<>();
      key.fields()
          .forEach(
              (field, value) -> {
                if (!field.equals("key")
                    && !String.valueOf(value).equals(String.valueOf(saved.get(field)))) {
                  differ.add(field);
                }
              });
      throw new IllegalArgumentException(
          owner.subject()
              + ": "
              + dir
              + " holds the features of another extraction (its "
              + KEY_FILE
              + " records the key "
              + saved.get("key")
              + ", this run's is "
              + key.digest()
              + (differ.isEmpty() ? "" : "; they differ in " + String.join(", ", differ))
              + "): remove that folder, or give another "
              + owner.option());
    }
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        if (files.findAny().isPresent()) {
          throw new IllegalArgumentException(
              owner.subject()
                  + ": "
                  + dir
                  + " holds files but no "
                  + KEY_FILE
                  + ", so what they are is unknown: remove the folder, or give another "
                  + owner.option());
        }
      }
    }
    Files.createDirectories(dir);
    AtomicFiles.write(
        keyFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(key.fields()));
  }

  private static Map<String, Object> readKey(Path keyFile) throws IOException {
    return JSON.readValue(keyFile.toFile(), new TypeReference<Map<String, Object>>() {});
  }

  /** Why a stale folder does not fit this run: its first key field that differs. */
  private static String difference(Path stale, Map<String, Object> now) {
    Map<String, Object> saved;
    try {
      saved = readKey(stale.resolve(KEY_FILE));
    } catch (IOException e) {
      return "has no readable " + KEY_FILE;
    }
    for (Map.Entry<String, Object> e : now.entrySet()) {
      Object was = saved.get(e.getKey());
      if (!String.valueOf(e.getValue()).equals(String.valueOf(was))) {
        String field = e.getKey().replace('_', ' ');
        return "was made for " + field + " " + was + " (this run: " + e.getValue() + ")";
      }
    }
    return "has another key";
  }

  /** Marks incomplete the complete chunks whose image files changed since they were extracted. */
  private void dropStaleChunks(Owner owner, Consumer<String> log) throws IOException {
    List<Integer> stale = new ArrayList<>();
    for (int c = 0; c < key.chunkCount(); c++) {
      if (has(c) && !key.chunkStamp(c).equals(readStamp(c))) {
        stale.add(c);
        Files.delete(ChunkFiles.rowsFile(dir, c));
      }
    }
    if (!stale.isEmpty()) {
      log.accept(
          owner.subject()
              + ": "
              + stale.size()
              + " cached chunk(s) "
              + stale
              + " in "
              + dir
              + " hold image files changed since (size or modification time): extracting them"
              + " again");
    }
  }

  private String readStamp(int c) throws IOException {
    Path f = ChunkFiles.stampFile(dir, c);
    return Files.exists(f) ? Files.readString(f).trim() : "";
  }

  /** The extraction's folder. */
  public Path dir() {
    return dir;
  }

  /** The extraction's key. */
  public ExtractionKey key() {
    return key;
  }

  /** Whether chunk {@code c} is complete. */
  public boolean has(int c) {
    return ChunkFiles.isComplete(dir, c);
  }

  /** The incomplete chunks, ascending: what an interrupted extraction still has to do. */
  public List<Integer> missing() {
    List<Integer> missing = new ArrayList<>();
    for (int c = 0; c < key.chunkCount(); c++) {
      if (!has(c)) {
        missing.add(c);
      }
    }
    return missing;
  }

  /** Reads complete chunk {@code c} into memory. */
  public CachedChunk read(int c) throws IOException {
    return ChunkFiles.read(dir, c, key.outputs());
  }

  /** Writes chunk {@code c}, its completion marker last. */
  public void write(int c, CachedChunk chunk) throws IOException {
    if (chunk.rows().length > 0 && !chunk.outputs().keySet().equals(Set.copyOf(key.outputs()))) {
      throw new IllegalArgumentException(
          "chunk "
              + c
              + " holds the outputs "
              + chunk.outputs().keySet()
              + ", the cache "
              + key.outputs());
    }
    AtomicFiles.writeString(ChunkFiles.stampFile(dir, c), key.chunkStamp(c));
    ChunkFiles.write(dir, c, chunk);
  }

  /** Maps {@code output} over every chunk; all must be complete. */
  public MappedOutput map(String output) throws IOException {
    return MappedOutput.open(dir, key.chunkCount(), output, key.images());
  }
}
