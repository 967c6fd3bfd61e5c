package org.mos.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.TestFixtures;

/**
 * Reads arrays written by numpy (scripts/fixtures/make_score_fixtures.py). Their values are known
 * by construction: element i in C order is i * 0.5 - 3 for floats, i - 3 for signed integers, i for
 * uint8 and (i % 3 == 0) for bool.
 */
class NpyTest {

  private static final double[] FLOATS = {-3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5};
  private static final double[] INTS = {-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8};

  private static NpyArray read(String name) {
    return TestFixtures.npy("npy", name);
  }

  @Test
  void readsFloat32Matrix() {
    NpyArray a = read("f4_2d.npy");
    assertThat(a.dtype()).isEqualTo("<f4");
    assertThat(a.shape()).containsExactly(3, 4);
    assertThat(a.values()).containsExactly(FLOATS);
    assertThat(a.isInteger()).isFalse();
    assertThat(a.toMatrix()[2]).containsExactly(1, 1.5, 2, 2.5);
  }

  @Test
  void readsFloat64Vector() {
    NpyArray a = read("f8_1d.npy");
    assertThat(a.dtype()).isEqualTo("<f8");
    assertThat(a.shape()).containsExactly(12);
    assertThat(a.values()).containsExactly(FLOATS);
  }

  @Test
  void readsInt64AndInt32() {
    NpyArray i8 = read("i8_1d.npy");
    assertThat(i8.dtype()).isEqualTo("<i8");
    assertThat(i8.isInteger()).isTrue();
    assertThat(i8.toInts()).containsExactly(-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8);
    NpyArray i4 = read("i4_2d.npy");
    assertThat(i4.dtype()).isEqualTo("<i4");
    assertThat(i4.shape()).containsExactly(4, 3);
    assertThat(i4.values()).containsExactly(INTS);
  }

  @Test
  void keepsInt64BeyondDoublePrecisionExact() {
    NpyArray a = read("i8_large.npy");
    assertThat(a.longs()).containsExactly((1L << 62) + 1, -(1L << 62) - 1);
  }

  @Test
  void readsUint8AndBool() {
    assertThat(read("u1_1d.npy").toInts()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    NpyArray b = read("bool_1d.npy");
    assertThat(b.dtype()).isEqualTo("|b1");
    assertThat(b.toInts()).containsExactly(1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0);
  }

  @Test
  void readsBigEndian() {
    NpyArray f = read("f8_big_endian.npy");
    assertThat(f.dtype()).isEqualTo(">f8");
    assertThat(f.values()).containsExactly(FLOATS);
    assertThat(read("i4_big_endian.npy").values()).containsExactly(INTS);
  }

  @Test
  void returnsFortranOrderedArraysInCOrder() {
    NpyArray f = read("f8_fortran.npy");
    assertThat(f.shape()).containsExactly(3, 4);
    assertThat(f.values()).containsExactly(FLOATS);
    NpyArray i = read("i8_fortran_3d.npy");
    assertThat(i.shape()).containsExactly(2, 3, 2);
    assertThat(i.values()).containsExactly(INTS);
    assertThat(i.longs()).containsExactly(-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void readsZeroDimensionalScalar() {
    NpyArray a = read("f8_0d.npy");
    assertThat(a.rank()).isZero();
    assertThat(a.values()).containsExactly(2.5);
  }

  @Test
  void readsVersion2Header() {
    NpyArray a = read("f4_v2.npy");
    assertThat(a.shape()).containsExactly(3, 4);
    assertThat(a.values()).containsExactly(FLOATS);
  }

  @Test
  void reportsTruncatedDataWithFileName() {
    Path p = TestFixtures.path("npy", "truncated_data.npy");
    assertThatThrownBy(() -> Npy.read(p))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated_data.npy")
        .hasMessageContaining("file ends inside the data (12 elements of <f8)");
  }

  @Test
  void reportsTruncatedHeader() {
    assertThatThrownBy(() -> Npy.read(TestFixtures.path("npy", "truncated_header.npy")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("file ends inside the header");
  }

  @Test
  void rejectsFilesThatAreNotNpy() {
    assertThatThrownBy(() -> Npy.read(TestFixtures.path("npy", "not_npy.npy")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a .npy file");
  }

  @Test
  void rejectsEmptyAndMissingFiles(@TempDir Path dir) throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.npy"));
    assertThatThrownBy(() -> Npy.read(empty))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("empty.npy")
        .hasMessageContaining("file ends inside the magic string");
    assertThatThrownBy(() -> Npy.read(dir.resolve("missing.npy")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("missing.npy: no such file");
  }

  @Test
  void writesWhatItReads(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("out.npy");
    Npy.writeFloat32(f, new float[] {1.5f, -2f, 3f, 0f, 7f, 8f}, 2, 3);
    NpyArray a = Npy.read(f);
    assertThat(a.dtype()).isEqualTo("<f4");
    assertThat(a.shape()).containsExactly(2, 3);
    assertThat(a.values()).containsExactly(1.5, -2, 3, 0, 7, 8);
    Npy.writeInt64(f, new long[] {5, -6}, 2);
    assertThat(Npy.read(f).longs()).containsExactly(5, -6);
    // the header (magic, version, length, dict) is padded to a multiple of 64 bytes
    assertThat((Files.size(f) - 16) % 64).isZero();
  }

  @Test
  void rejectsUnsupportedDtype(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("c16.npy");
    try (var out = Files.newOutputStream(f)) {
      Npy.write(out, "<c16", new int[] {1}, new byte[16]);
    }
    assertThatThrownBy(() -> Npy.read(f)).hasMessageContaining("unsupported dtype '<c16'");
  }

  @Test
  void rejectsNegativeDimensions(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("neg.npy");
    try (var out = Files.newOutputStream(f)) {
      Npy.write(out, "<f8", new int[] {-2}, new byte[0]);
    }
    assertThatThrownBy(() -> Npy.read(f))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("neg.npy")
        .hasMessageContaining("-2");
  }
}
