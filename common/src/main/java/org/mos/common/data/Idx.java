package org.mos.common.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader for the IDX format of MNIST and Fashion-MNIST, raw or gzipped (told apart by the gzip
 * magic bytes {@code 1f 8b}, not by the file name).
 *
 * <p>The format: two zero bytes, a type byte ({@code 08} unsigned byte, {@code 09} signed byte,
 * {@code 0B} short, {@code 0C} int, {@code 0D} float, {@code 0E} double), a byte with the number of
 * dimensions, one big-endian 32-bit size per dimension, then the elements in row-major order, big
 * endian.
 */
public final class Idx {

  private static final int MAX_RANK = 32;

  private Idx() {}

  /**
   * Reads an IDX file.
   *
   * @throws DatasetException when the file is missing, is not IDX (or gzipped IDX), is truncated or
   *     has bytes after its data
   */
  public static IdxArray read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException("IDX file " + file + " does not exist or is not a file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    } catch (IOException e) {
      throw new DatasetException("cannot read IDX file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads IDX data from a stream (raw or gzipped); {@code source} names it in errors.
   *
   * @throws IOException when the stream fails
   * @throws DatasetException when the data is not valid IDX
   */
  public static IdxArray read(InputStream stream, String source) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(stream, 1 << 16);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    InputStream raw = buffered;
    if (b0 == 0x1f && b1 == 0x8b) {
      raw = new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16);
    }
    DataInputStream in = new DataInputStream(raw);
    try {
      return readPayload(in, source);
    } catch (EOFException e) {
      throw new DatasetException("IDX data " + source + " is truncated", e);
    }
  }

  private static IdxArray readPayload(DataInputStream in, String source) throws IOException {
    int[] magic = {in.readUnsignedByte(), in.readUnsignedByte(), in.readUnsignedByte(), 0};
    magic[3] = in.readUnsignedByte();
    IdxArray.DataType type = IdxArray.DataType.ofCode(magic[2]);
    if (magic[0] != 0 || magic[1] != 0 || type == null || magic[3] > MAX_RANK) {
      throw new DatasetException(
          String.format(
              "%s is not IDX data: magic bytes %02x %02x %02x %02x, expected 00 00 then a type"
                  + " (08, 09, 0b, 0c, 0d, 0e) and a rank <= %d (or gzip data starting 1f 8b)",
              source, magic[0], magic[1], magic[2], magic[3], MAX_RANK));
    }
    int[] shape = new int[magic[3]];
    long bytes = type.bytes();
    for (int k = 0; k < shape.length; k++) {
      shape[k] = in.readInt();
      if (shape[k] < 0) {
        throw new DatasetException(
            source + ": dimension " + k + " has size " + Integer.toUnsignedString(shape[k]));
      }
      bytes *= shape[k];
      if (bytes > Integer.MAX_VALUE - 16) {
        throw new DatasetException(
            source + ": shape " + Arrays.toString(shape) + " of " + type + " exceeds 2 GB");
      }
    }
    byte[] payload = in.readNBytes((int) bytes);
    if (payload.length != bytes) {
      throw new DatasetException(
          source
              + " is truncated: shape "
              + Arrays.toString(shape)
              + " of "
              + type
              + " needs "
              + bytes
              + " data bytes but only "
              + payload.length
              + " follow the header");
    }
    if (in.read() != -1) {
      throw new DatasetException(
          source
              + " has bytes after the "
              + bytes
              + " data bytes of shape "
              + Arrays.toString(shape)
              + " of "
              + type);
    }
    return new IdxArray(type, shape, payload);
  }
}
