package org.mos.common.io;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ObjIntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy's {@code .npy} format (versions 1.0, 2.0 and 3.0): little- and big-endian
 * floats (f2 is not supported), signed and unsigned integers, booleans, C or Fortran order.
 * Fortran-ordered arrays are returned in C order.
 */
public final class Npy {

  /** numpy itself refuses headers over 10 000 bytes unless told otherwise. */
  private static final long MAX_HEADER = 1 << 20;

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** Reads a {@code .npy} file; the message of any failure names the file. */
  public static NpyArray read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such file");
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return read(in);
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** Reads one array from a stream positioned at the magic string. */
  public static NpyArray read(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    byte[] magic = new byte[6];
    readFully(in, magic, "the magic string");
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("not a .npy file (bad magic string)");
    }
    int major = in.readUnsignedByte();
    in.readUnsignedByte();
    long headerLen;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
    } else if (major == 2 || major == 3) {
      headerLen = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
    } else {
      throw new IOException("unsupported .npy version " + major);
    }
    if (headerLen > MAX_HEADER) {
      throw new IOException("header length " + headerLen + " is implausible (corrupt file?)");
    }
    byte[] headerBytes = new byte[(int) headerLen];
    readFully(in, headerBytes, "the header");
    String header =
        new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = find(DESCR, header, "descr");
    boolean fortran = "True".equals(find(FORTRAN, header, "fortran_order"));
    int[] shape = parseShape(find(SHAPE, header, "shape"));

    Dtype dt = Dtype.parse(descr);
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n * dt.width > Integer.MAX_VALUE) {
      throw new IOException("array of " + n + " elements is too large");
    }
    byte[] raw = new byte[(int) (n * dt.width)];
    readFully(in, raw, "the data (" + n + " elements of " + descr + ")");
    ByteBuffer buf = ByteBuffer.wrap(raw).order(dt.order);
    double[] values = new double[(int) n];
    long[] longs = dt.kind == 'f' ? null : new long[(int) n];
    for (int i = 0; i < n; i++) {
      switch (dt.kind) {
        case 'f' -> values[i] = dt.width == 4 ? buf.getFloat() : buf.getDouble();
        case 'i', 'u', 'b' -> {
          long v =
              switch (dt.width) {
                case 1 -> dt.kind == 'i' ? buf.get() : Byte.toUnsignedLong(buf.get());
                case 2 -> dt.kind == 'i' ? buf.getShort() : Short.toUnsignedLong(buf.getShort());
                case 4 -> dt.kind == 'i' ? buf.getInt() : Integer.toUnsignedLong(buf.getInt());
                default -> buf.getLong();
              };
          longs[i] = v;
          values[i] = dt.kind == 'u' && dt.width == 8 && v < 0 ? Math.pow(2, 64) + v : v;
        }
        default -> throw new IllegalStateException();
      }
    }
    if (fortran && shape.length > 1) {
      int[] source = fortranSourceIndex(shape, values.length);
      double[] cValues = new double[values.length];
      long[] cLongs = longs == null ? null : new long[longs.length];
      for (int c = 0; c < source.length; c++) {
        cValues[c] = values[source[c]];
        if (cLongs != null) {
          cLongs[c] = longs[source[c]];
        }
      }
      values = cValues;
      longs = cLongs;
    }
    return new NpyArray(descr, shape, values, longs);
  }

  /** Writes float32 values with the given shape, atomically (temporary file, then move). */
  public static void writeFloat32(Path file, float[] data, int... shape) throws IOException {
    writeEach(file, "<f4", shape, data.length, 4, (buf, i) -> buf.putFloat(data[i]));
  }

  /** Writes float64 values with the given shape, atomically. */
  public static void writeFloat64(Path file, double[] data, int... shape) throws IOException {
    writeEach(file, "<f8", shape, data.length, 8, (buf, i) -> buf.putDouble(data[i]));
  }

  /** Writes int64 values with the given shape, atomically. */
  public static void writeInt64(Path file, long[] data, int... shape) throws IOException {
    writeEach(file, "<i8", shape, data.length, 8, (buf, i) -> buf.putLong(data[i]));
  }

  /** Checks the shape, then lays out {@code count} elements of {@code width} bytes each. */
  private static void writeEach(
      Path file, String descr, int[] shape, int count, int width, ObjIntConsumer<ByteBuffer> put)
      throws IOException {
    checkShape(count, shape);
    ByteBuffer buf = ByteBuffer.allocate(count * width).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      put.accept(buf, i);
    }
    write(file, descr, shape, buf.array());
  }

  /** Writes one array (header and raw little-endian data) to a stream. */
  public static void write(OutputStream out, String descr, int[] shape, byte[] data)
      throws IOException {
    writeHeader(out, descr, shape);
    out.write(data);
  }

  /**
   * Writes the header of a C-order array; the caller then writes its raw data (for arrays too large
   * to hold in memory, such as a KNN feature bank).
   */
  public static void writeHeader(OutputStream out, String descr, int[] shape) throws IOException {
    StringBuilder dims = new StringBuilder();
    for (int d : shape) {
      dims.append(d).append(", ");
    }
    if (shape.length > 1) {
      dims.setLength(dims.length() - 2);
    } else if (shape.length == 1) {
      dims.setLength(dims.length() - 1);
    }
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    out.write(MAGIC);
    out.write(1);
    out.write(0);
    out.write(header.length() & 0xff);
    out.write((header.length() >> 8) & 0xff);
    out.write(header.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * The header of a {@code .npy} file: its dtype, order, shape and where its data starts, without
   * reading the data (which callers may map into memory instead).
   *
   * @param descr the dtype, e.g. {@code <f4}
   * @param fortranOrder whether the data is column-major
   * @param shape the shape
   * @param dataOffset the byte offset of the first element in the file
   */
  public record Header(String descr, boolean fortranOrder, int[] shape, long dataOffset) {}

  /** Reads only the header of a {@code .npy} file; the message of any failure names the file. */
  public static Header readHeader(Path file) throws IOException {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 4096))) {
      byte[] magic = new byte[6];
      readFully(in, magic, "the magic string");
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException("not a .npy file (bad magic string)");
      }
      int major = in.readUnsignedByte();
      in.readUnsignedByte();
      long headerLen;
      long offset;
      if (major == 1) {
        headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
        offset = 10;
      } else if (major == 2 || major == 3) {
        headerLen = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        offset = 12;
      } else {
        throw new IOException("unsupported .npy version " + major);
      }
      if (headerLen > MAX_HEADER) {
        throw new IOException("header length " + headerLen + " is implausible (corrupt file?)");
      }
      byte[] headerBytes = new byte[(int) headerLen];
      readFully(in, headerBytes, "the header");
      String header =
          new String(
              headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
      String descr = find(DESCR, header, "descr");
      Dtype.parse(descr);
      boolean fortran = "True".equals(find(FORTRAN, header, "fortran_order"));
      return new Header(
          descr, fortran, parseShape(find(SHAPE, header, "shape")), offset + headerLen);
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static void write(Path file, String descr, int[] shape, byte[] data) throws IOException {
    AtomicFiles.write(file, out -> write(out, descr, shape, data));
  }

  private static void checkShape(int length, int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values but got " + length);
    }
  }

  /** For every C-order position, the position of the same element in Fortran order. */
  private static int[] fortranSourceIndex(int[] shape, int n) {
    int[] source = new int[n];
    int rank = shape.length;
    int[] idx = new int[rank];
    for (int c = 0; c < n; c++) {
      // idx is the C-order multi-index of c; its Fortran offset has the first axis fastest.
      int f = 0;
      int stride = 1;
      for (int a = 0; a < rank; a++) {
        f += idx[a] * stride;
        stride *= shape[a];
      }
      source[c] = f;
      for (int a = rank - 1; a >= 0; a--) {
        if (++idx[a] < shape[a]) {
          break;
        }
        idx[a] = 0;
      }
    }
    return source;
  }

  private static int[] parseShape(String text) throws IOException {
    List<Integer> dims = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (!p.isEmpty()) {
        try {
          dims.add(Integer.parseInt(p.endsWith("L") ? p.substring(0, p.length() - 1) : p));
        } catch (NumberFormatException e) {
          throw new IOException("bad shape (" + text + ") in header");
        }
        if (dims.get(dims.size() - 1) < 0) {
          throw new IOException("negative dimension in shape (" + text + ")");
        }
      }
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  private static String find(Pattern p, String header, String key) throws IOException {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IOException("header has no '" + key + "': " + header.trim());
    }
    return m.group(1);
  }

  private static void readFully(DataInputStream in, byte[] b, String what) throws IOException {
    try {
      in.readFully(b);
    } catch (EOFException e) {
      throw new IOException("file ends inside " + what + " (truncated?)");
    }
  }

  private record Dtype(char kind, int width, ByteOrder order) {
    static Dtype parse(String descr) throws IOException {
      if (descr.length() < 3) {
        throw new IOException("unsupported dtype '" + descr + "'");
      }
      char endian = descr.charAt(0);
      char kind = descr.charAt(1);
      int width;
      try {
        width = Integer.parseInt(descr.substring(2));
      } catch (NumberFormatException e) {
        throw new IOException("unsupported dtype '" + descr + "'");
      }
      boolean ok =
          switch (kind) {
            case 'f' -> width == 4 || width == 8;
            case 'i', 'u' -> width == 1 || width == 2 || width == 4 || width == 8;
            case 'b' -> width == 1;
            default -> false;
          };
      if (!ok || "<>|=".indexOf(endian) < 0) {
        throw new IOException(
            "unsupported dtype '" + descr + "' (expected float32/64, integers or bool)");
      }
      return new Dtype(kind, width, endian == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    }
  }
}
