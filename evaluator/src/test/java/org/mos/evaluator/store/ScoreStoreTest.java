package org.mos.evaluator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreStoreTest {

  static final String SUM = "ab12".repeat(16);

  @TempDir Path dir;

  static StoredScore scored(String image, double mos, double msp) {
    Map<String, Double> s = new LinkedHashMap<>();
    s.put("mos", mos);
    s.put("msp", msp);
    return new StoredScore(image, 10, 20, 3, 0.25, s, Map.of("mos", 0.5, "msp", 0.125), null);
  }

  @Test
  void readsBackWhatItAppendedBitForBitIncludingAwkwardPaths() throws IOException {
    String odd = "/data/a\tb\\c\nd e.png";
    double[] values = {0.1 + 0.2, Math.PI / 3, -1e-300, Double.MIN_VALUE, -0.0};
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      for (int i = 0; i < values.length; i++) {
        s.append(scored(odd + i, values[i], -values[i]));
      }
      s.append(new StoredScore("/x/bad.png", 5, 6, -1, 0.5, Map.of(), Map.of(), "not\tan image"));
    }
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      assertThat(s.size()).isEqualTo(values.length + 1);
      for (int i = 0; i < values.length; i++) {
        StoredScore r = s.lookup(odd + i, 10, 20);
        assertThat(Double.doubleToRawLongBits(r.scores().get("mos")))
            .isEqualTo(Double.doubleToRawLongBits(values[i]));
        assertThat(r.methodSeconds()).containsEntry("msp", 0.125);
        assertThat(r.predictedClass()).isEqualTo(3);
        assertThat(r.sharedSeconds()).isEqualTo(0.25);
      }
      StoredScore bad = s.lookup("/x/bad.png", 5, 6);
      assertThat(bad.failed()).isTrue();
      assertThat(bad.error()).isEqualTo("not\tan image");
    }
  }

  @Test
  void dropsATornLastLineAndCutsItOffTheFile() throws IOException {
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      s.append(scored("/a.png", 1, 2));
      s.append(scored("/b.png", 3, 4));
    }
    Path file = dir.resolve(SUM + ".scores");
    String whole = Files.readString(file);
    int cut = whole.length() - 7; // in the middle of the last record
    Files.writeString(file, whole.substring(0, cut), StandardCharsets.UTF_8);
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      assertThat(s.lookup("/a.png", 10, 20)).isNotNull();
      assertThat(s.lookup("/b.png", 10, 20)).isNull();
      s.append(scored("/c.png", 5, 6));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(2)).startsWith("/c.png\t");
  }

  @Test
  void aFileThatChangedSinceItWasScoredIsNotFound() throws IOException {
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      s.append(scored("/a.png", 1, 2));
      assertThat(s.lookup("/a.png", 10, 20)).isNotNull();
      assertThat(s.lookup("/a.png", 11, 20)).isNull();
      assertThat(s.lookup("/a.png", 10, 21)).isNull();
    }
  }

  @Test
  void laterRecordsAddMethodsToAnImage() throws IOException {
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      s.append(scored("/a.png", 1, 2));
      s.append(new StoredScore("/a.png", 10, 20, 3, 0.75, Map.of("energy", 7.0), Map.of(), null));
    }
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      StoredScore r = s.lookup("/a.png", 10, 20);
      assertThat(r.scores()).containsOnlyKeys("mos", "msp", "energy");
      assertThat(r.sharedSeconds()).isEqualTo(1.0); // both passes cost shared time
    }
  }

  @Test
  void freshDiscardsWhatWasStored() throws IOException {
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      s.append(scored("/a.png", 1, 2));
    }
    try (ScoreStore s = ScoreStore.open(dir, SUM, true)) {
      assertThat(s.size()).isZero();
    }
  }

  @Test
  void refusesTheStoreOfAnotherBundle() throws IOException {
    try (ScoreStore s = ScoreStore.open(dir, SUM, false)) {
      s.append(scored("/a.png", 1, 2));
    }
    String other = "cd34".repeat(16);
    Files.copy(dir.resolve(SUM + ".scores"), dir.resolve(other + ".scores"));
    assertThatThrownBy(() -> ScoreStore.open(dir, other, false))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected the header '#mos-scores 1 " + other + "'");
  }

  @Test
  void refusesABrokenRecordBeforeTheLastLine() throws IOException {
    Path file = dir.resolve(SUM + ".scores");
    Files.writeString(file, "#mos-scores 1 " + SUM + "\n/a.png\t1\t2\n/b.png\t1\t2\t0\t0.0\t\n");
    assertThatThrownBy(() -> ScoreStore.open(dir, SUM, false))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(":2: not a score record (expected 6 tab-separated fields, found 3)");
  }
}
