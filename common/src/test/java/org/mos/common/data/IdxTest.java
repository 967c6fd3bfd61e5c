package org.mos.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files made byte by byte from the format's description (big-endian header and data). */
class IdxTest {

  @TempDir Path dir;

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  private Path file(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  private static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }

  private static final byte[] LABELS = bytes(0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 0xFF);

  /** Two 2x3 "images" of unsigned bytes: 0..5 and 6..10, 200. */
  private static final byte[] IMAGES =
      bytes(
          0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 200);

  @Test
  void readsUnsignedByteLabels() throws IOException {
    IdxArray a = Idx.read(file("labels-idx1-ubyte", LABELS));

    assertThat(a.type()).isEqualTo(IdxArray.DataType.UNSIGNED_BYTE);
    assertThat(a.shape()).containsExactly(3);
    assertThat(a.toInts()).containsExactly(7, 0, 255);
  }

  @Test
  void readsRankThreeUnsignedBytesItemByItem() throws IOException {
    IdxArray a = Idx.read(file("images-idx3-ubyte", IMAGES));

    assertThat(a.shape()).containsExactly(2, 2, 3);
    assertThat(a.count()).isEqualTo(2);
    assertThat(a.itemSize()).isEqualTo(6);
    assertThat(a.itemBytes(1)).containsExactly(bytes(6, 7, 8, 9, 10, 200));
    assertThat(a.intAt(11)).isEqualTo(200);
  }

  @Test
  void readsGzippedDataByItsMagicBytesWhateverTheName() throws IOException {
    IdxArray a = Idx.read(file("images-without-suffix", gzip(IMAGES)));

    assertThat(a.shape()).containsExactly(2, 2, 3);
    assertThat(a.itemBytes(0)).containsExactly(bytes(0, 1, 2, 3, 4, 5));
  }

  @Test
  void readsSignedIntegerTypesBigEndian() throws IOException {
    IdxArray ints =
        Idx.read(file("i", bytes(0, 0, 0x0C, 1, 0, 0, 0, 2, 0xFF, 0xFF, 0xFF, 0xFE, 0, 1, 0, 0)));
    IdxArray shorts = Idx.read(file("s", bytes(0, 0, 0x0B, 1, 0, 0, 0, 1, 0x80, 0x00)));
    IdxArray signed = Idx.read(file("b", bytes(0, 0, 0x09, 1, 0, 0, 0, 1, 0xFF)));

    assertThat(ints.type()).isEqualTo(IdxArray.DataType.INT);
    assertThat(ints.toInts()).containsExactly(-2, 65536);
    assertThat(shorts.toInts()).containsExactly(-32768);
    assertThat(signed.toInts()).containsExactly(-1);
  }

  @Test
  void readsFloatAndDoubleBigEndian() throws IOException {
    // 0x3FC00000 is 1.5f; 0x400921FB54442D18 is the double nearest pi.
    IdxArray f = Idx.read(file("f", bytes(0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0, 0)));
    IdxArray d =
        Idx.read(
            file(
                "d",
                bytes(
                    0, 0, 0x0E, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D,
                    0x18)));

    assertThat(f.doubleAt(0)).isEqualTo(1.5);
    assertThat(d.shape()).containsExactly(1, 1);
    assertThat(d.doubleAt(0)).isEqualTo(Math.PI);
    assertThatThrownBy(() -> f.intAt(0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void readsRankZeroAndEmptyArrays() throws IOException {
    IdxArray scalar = Idx.read(file("scalar", bytes(0, 0, 0x08, 0, 42)));
    IdxArray empty =
        Idx.read(file("empty", bytes(0, 0, 0x08, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28)));

    assertThat(scalar.rank()).isZero();
    assertThat(scalar.toInts()).containsExactly(42);
    assertThat(empty.size()).isZero();
    assertThat(empty.itemSize()).isEqualTo(784);
  }

  @Test
  void rejectsDataWithoutTheIdxMagic() throws IOException {
    Path p = file("x.npy", bytes(0x93, 'N', 'U', 'M', 'P', 'Y'));
    assertThatThrownBy(() -> Idx.read(p))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(p + " is not IDX data: magic bytes 93 4e 55 4d");
  }

  @Test
  void rejectsAnUnknownTypeCode() throws IOException {
    Path p = file("x", bytes(0, 0, 0x0A, 1, 0, 0, 0, 1, 5));
    assertThatThrownBy(() -> Idx.read(p))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("magic bytes 00 00 0a 01");
  }

  @Test
  void rejectsTruncatedData() throws IOException {
    Path shortData = file("t1", bytes(0, 0, 0x08, 1, 0, 0, 0, 4, 1, 2, 3));
    Path shortHeader = file("t2", bytes(0, 0, 0x08, 2, 0, 0, 0, 4));
    Path shortGzip = file("t3", gzip(bytes(0, 0, 0x0C, 1, 0, 0, 0, 1, 0, 0)));

    assertThatThrownBy(() -> Idx.read(shortData))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("needs 4 data bytes but only 3 follow");
    assertThatThrownBy(() -> Idx.read(shortHeader))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("is truncated");
    assertThatThrownBy(() -> Idx.read(shortGzip))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("needs 4 data bytes but only 2 follow");
  }

  @Test
  void rejectsBytesAfterTheData() throws IOException {
    Path p = file("x", bytes(0, 0, 0x08, 1, 0, 0, 0, 1, 5, 6));
    assertThatThrownBy(() -> Idx.read(p))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("has bytes after the 1 data bytes");
  }

  @Test
  void rejectsAMissingFile() {
    Path p = dir.resolve("train-images-idx3-ubyte.gz");
    assertThatThrownBy(() -> Idx.read(p))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(p + " does not exist");
  }
}
