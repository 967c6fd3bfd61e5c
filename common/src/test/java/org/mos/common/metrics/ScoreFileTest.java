package org.mos.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.io.Npy;

class ScoreFileTest {

  @TempDir Path dir;

  private Path text(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void readsOneNumberPerLineSkippingBlankLines() throws IOException {
    Path f = text("scores.txt", "0.5\n\n  -3 \r\n1e-4\n+2.5E1\ninf\n-Infinity\n\n");
    assertThat(ScoreFile.read(f))
        .containsExactly(0.5, -3, 1e-4, 25, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
  }

  @Test
  void rejectsANonNumericLineNamingFileAndLineNumber() throws IOException {
    Path f = text("bad.txt", "0.5\n\n0.25 0.5\n");
    assertThatThrownBy(() -> ScoreFile.read(f))
        .isInstanceOf(IOException.class)
        .hasMessage(f + ": line 3 is '0.25 0.5': expected one number per line");
    Path suffix = text("suffix.txt", "1f\n");
    assertThatThrownBy(() -> ScoreFile.read(suffix)).hasMessageContaining("line 1 is '1f'");
  }

  @Test
  void rejectsNanLines() throws IOException {
    Path f = text("nan.txt", "1\n2\nnan\n");
    assertThatThrownBy(() -> ScoreFile.read(f))
        .isInstanceOf(IOException.class)
        .hasMessage(f + ": line 3 is NaN: expected a number");
  }

  @Test
  void rejectsEmptyAndMissingFiles() throws IOException {
    Path empty = text("empty.txt", "\n \n");
    assertThatThrownBy(() -> ScoreFile.read(empty))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(empty + ": no scores");
    Path missing = dir.resolve("missing.txt");
    assertThatThrownBy(() -> ScoreFile.read(missing))
        .isInstanceOf(IOException.class)
        .hasMessage(missing + ": no such file");
  }

  @Test
  void readsOneDimensionalFloatNpyWhateverTheFileName() throws IOException {
    Path f32 = dir.resolve("scores32.npy");
    Npy.writeFloat32(f32, new float[] {0.25f, -1.5f}, 2);
    assertThat(ScoreFile.read(f32)).containsExactly(0.25, -1.5);
    Path f64 = dir.resolve("scores64.bin");
    Npy.writeFloat64(f64, new double[] {0.1, 0.2, 0.3}, 3);
    assertThat(ScoreFile.read(f64)).containsExactly(0.1, 0.2, 0.3);
  }

  @Test
  void rejectsTwoDimensionalNpyNamingTheShape() throws IOException {
    Path f = dir.resolve("logits.npy");
    Npy.writeFloat32(f, new float[6], 2, 3);
    assertThatThrownBy(() -> ScoreFile.read(f))
        .isInstanceOf(IOException.class)
        .hasMessage(f + ": expected a 1-D array of scores but the shape is [2, 3]");
  }

  @Test
  void rejectsIntegerNpyAndNanElements() throws IOException {
    Path ints = dir.resolve("labels.npy");
    Npy.writeInt64(ints, new long[] {1, 2}, 2);
    assertThatThrownBy(() -> ScoreFile.read(ints))
        .hasMessage(ints + ": the dtype is '<i8': expected float32 or float64 scores");
    Path nan = dir.resolve("nan.npy");
    Npy.writeFloat64(nan, new double[] {1, Double.NaN}, 2);
    assertThatThrownBy(() -> ScoreFile.read(nan))
        .hasMessage(nan + ": element 1 is NaN: expected a number");
    Path empty = dir.resolve("empty.npy");
    Npy.writeFloat64(empty, new double[0], 0);
    assertThatThrownBy(() -> ScoreFile.read(empty)).hasMessageContaining("no scores");
  }
}
